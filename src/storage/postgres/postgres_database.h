#pragma once
// The production engine: PostgreSQL 14+ through libpq. A pool of connections for reads, one writer
// connection running the shared group commit, statements prepared once per connection, the
// schema of Prisma's ?schema=NAME as the search_path (created when missing), reconnection after
// the server restarts.
#include <memory>

#include "storage/database.h"
#include "storage/database_url.h"

namespace mcp::storage {

struct PostgresOptions {
  size_t pool_size = 8;          // reader connections (MCP_ADMIN_DB_POOL)
  size_t writers = 4;            // writer connections, each running its own group commits
  int connect_timeout_s = 5;     // unless the URL sets connect_timeout
  size_t max_batch = 512;
  size_t max_queued_writes = 8192;
};

// Connects (the writer connection at once, readers on demand). Throws Unavailable.
std::unique_ptr<Database> open_postgres(const DatabaseUrl& url, const PostgresOptions& options = {});

}  // namespace mcp::storage
