#pragma once
// The embedded engine: SQLite through SQLiteCpp. WAL, foreign keys on, busy timeout, synchronous
// FULL (an acknowledged write survives kill -9 and power loss), one writer thread whose
// transactions are shared by concurrent callers (group commit), a pool of reader connections.
#include <memory>

#include "storage/database.h"
#include "storage/database_url.h"

namespace mcp::storage {

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  size_t max_batch = 512;        // writes that may share one commit
  size_t max_queued_writes = 8192;  // callers block beyond this (back-pressure)
  size_t max_idle_readers = 16;
};

// Opens (creating if needed) the database the URL names. Throws Unavailable when it cannot.
std::unique_ptr<Database> open_sqlite(const DatabaseUrl& url, const SqliteOptions& options = {});

}  // namespace mcp::storage
