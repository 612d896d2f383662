#pragma once
// Opens the engine a DATABASE_URL names.
#include <memory>

#include "storage/database.h"
#include "storage/database_url.h"

namespace mcp::storage {

// SQLite for file:/sqlite:/:memory:, PostgreSQL for postgresql:// with up to `pool_size` reader
// connections and pool_size / 2 (at least one) writer connections. Throws Unavailable when the database cannot be opened or reached.
std::unique_ptr<Database> open_database(const DatabaseUrl& url, size_t pool_size = 8);

}  // namespace mcp::storage
