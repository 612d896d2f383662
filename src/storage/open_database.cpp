#include "storage/open_database.h"

#include <cstdlib>
#include <string>

#include "storage/postgres/postgres_database.h"
#include "storage/sqlite/sqlite_database.h"

namespace mcp::storage {

std::unique_ptr<Database> open_database(const DatabaseUrl& url) {
  if (url.kind == DatabaseUrl::Kind::Postgres) {
    PostgresOptions options;
    if (const char* pool = std::getenv("MCP_ADMIN_DB_POOL")) {
      int size = std::atoi(pool);
      if (size >= 1 && size <= 1000) options.pool_size = static_cast<size_t>(size);
    }
    return open_postgres(url, options);
  }
  return open_sqlite(url);
}

}  // namespace mcp::storage
