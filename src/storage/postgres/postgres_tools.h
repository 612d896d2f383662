#pragma once
// What `mcp-admin backup` / `restore` tell a PostgreSQL user to run instead: PostgreSQL's own
// tools copy a live database consistently, with its roles, sequences and privileges, better than
// anything this binary could. The commands never carry the URL's password: they use
// DatabaseUrl::postgres_conninfo_without_password.
#include <string>

#include "storage/database_url.h"

namespace mcp::storage {

// `pg_dump --format=custom --schema=SCHEMA --file=FILE 'URL'`, shell-quoted: the schema is the
// search_path schema (?schema=, public by default), where mcp-admin's tables are.
std::string pg_dump_command(const DatabaseUrl& url, const std::string& file);

// `pg_restore --clean --if-exists --no-owner --single-transaction --dbname='URL' FILE` (the dump holds
// only mcp-admin's schema, so everything in it is restored).
std::string pg_restore_command(const DatabaseUrl& url, const std::string& file);

// `psql --single-transaction -v ON_ERROR_STOP=1 --dbname='URL' --file=FILE`, for a plain SQL dump.
std::string psql_restore_command(const DatabaseUrl& url, const std::string& file);

// Single-quotes `word` for a POSIX shell.
std::string shell_quote(const std::string& word);

}  // namespace mcp::storage
