#include "storage/postgres/postgres_tools.h"

namespace mcp::storage {

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string pg_dump_command(const DatabaseUrl& url, const std::string& file) {
  return "pg_dump --format=custom --schema=" + shell_quote(url.postgres_schema) + " --file=" + shell_quote(file) + " " +
         shell_quote(url.postgres_conninfo_without_password);
}

std::string pg_restore_command(const DatabaseUrl& url, const std::string& file) {
  return "pg_restore --clean --if-exists --no-owner --single-transaction --dbname=" +
         shell_quote(url.postgres_conninfo_without_password) + " " + shell_quote(file);
}

std::string psql_restore_command(const DatabaseUrl& url, const std::string& file) {
  return "psql --single-transaction -v ON_ERROR_STOP=1 --dbname=" + shell_quote(url.postgres_conninfo_without_password) +
         " --file=" + shell_quote(file);
}

}  // namespace mcp::storage
