#pragma once
// The default data: the starter registry of MCP servers from seeds/, compiled into the binary.
#include "storage/database.h"

namespace mcp::domain {

struct SeedResult {
  int inserted = 0;  // servers added now
  int present = 0;   // servers whose slug was there already (left as they are)
};

// Inserts each seed server whose slug is absent, with an audit row for each insert, in one
// transaction. Idempotent: a second run inserts nothing and writes no audit row.
SeedResult run_seed(storage::Database& db);

}  // namespace mcp::domain
