#pragma once
// DATABASE_URL: which engine and where. Parsed once, before anything is opened.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcp::storage {

struct DatabaseUrl {
  enum class Kind { SqliteFile, SqliteMemory, Postgres };
  Kind kind = Kind::SqliteFile;
  std::string sqlite_path;          // SqliteFile: the file's path as given (relative to the working directory)
  std::string postgres_conninfo;    // Postgres: the libpq URI without Prisma's "schema" parameter
  std::string postgres_schema;      // Postgres: Prisma's ?schema=NAME (the search_path), "public" if absent
  std::map<std::string, std::string> postgres_params;  // Postgres: the query parameters, decoded
  std::string redacted;             // the URL with any password replaced by "***", for logs and errors
  std::string postgres_conninfo_without_password;  // Postgres: postgres_conninfo with no password at all, for
                                                   // commands a user runs (pg_dump), who gives it by PGPASSWORD
};

// A DATABASE_URL that cannot be used; the message says what is wrong and which forms are accepted.
class InvalidDatabaseUrl : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Accepts file:PATH, sqlite:PATH (also sqlite://PATH), :memory: (also sqlite::memory:), and
// postgresql://... or postgres://... (libpq URIs). Throws InvalidDatabaseUrl otherwise.
DatabaseUrl parse_database_url(std::string_view url);

}  // namespace mcp::storage
