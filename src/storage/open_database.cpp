#include "storage/open_database.h"

#include <algorithm>

#include "storage/postgres/postgres_database.h"
#include "storage/sqlite/sqlite_database.h"

namespace mcp::storage {

std::unique_ptr<Database> open_database(const DatabaseUrl& url, size_t pool_size) {
  if (url.kind == DatabaseUrl::Kind::Postgres) {
    PostgresOptions options;
    options.pool_size = pool_size;
    options.writers = std::max<size_t>(1, pool_size / 2);
    return open_postgres(url, options);
  }
  return open_sqlite(url);
}

}  // namespace mcp::storage
