#pragma once
// Opens the engine a DATABASE_URL names.
#include <memory>

#include "storage/database.h"
#include "storage/database_url.h"

namespace mcp::storage {

// SQLite for file:/sqlite:/:memory:, PostgreSQL for postgresql:// (pool size from
// MCP_ADMIN_DB_POOL). Throws Unavailable when the database cannot be opened or reached.
std::unique_ptr<Database> open_database(const DatabaseUrl& url);

}  // namespace mcp::storage
