#include "storage/open_database.h"

#include "storage/sqlite/sqlite_database.h"

namespace mcp::storage {

void check_engine_supported(const DatabaseUrl& url) {
  if (url.kind == DatabaseUrl::Kind::Postgres) {
    throw InvalidDatabaseUrl("DATABASE_URL " + url.redacted +
                             ": PostgreSQL is recognised but not supported by this build yet; use file:PATH or "
                             ":memory: (the embedded SQLite) for now");
  }
}

std::unique_ptr<Database> open_database(const DatabaseUrl& url) {
  check_engine_supported(url);
  return open_sqlite(url);
}

}  // namespace mcp::storage
