// The commands `backup` / `restore` print on PostgreSQL (src/storage/postgres/postgres_tools.*):
// the password never in them, everything else of the URL kept, shell-safe quoting.
#include "storage/postgres/postgres_tools.h"

#include <doctest/doctest.h>

#include <string>

using mcp::storage::parse_database_url;

TEST_CASE("database URL: the libpq URI without its password, for commands a user runs") {
  struct Case {
    const char* url;
    const char* expected;
  };
  const Case cases[] = {
      {"postgresql://app:s3cret@db:5432/mcp", "postgresql://app@db:5432/mcp"},
      {"postgresql://app:s3cret@db/mcp?schema=tenant&sslmode=require", "postgresql://app@db/mcp?sslmode=require"},
      {"postgres://app@db/mcp?password=s3cret&application_name=x", "postgres://app@db/mcp?application_name=x"},
      {"postgresql://app:p%40ss@h1:5432,h2:5433/mcp", "postgresql://app@h1:5432,h2:5433/mcp"},
      {"postgresql://app:pw@[::1]:5432/mcp", "postgresql://app@[::1]:5432/mcp"},
      {"postgresql://db", "postgresql://db"},
      {"postgresql://:pw@db/mcp?password=x", "postgresql://@db/mcp"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    CHECK(parse_database_url(c.url).postgres_conninfo_without_password == c.expected);
  }
}

TEST_CASE("postgres tools: commands are shell-quoted and carry the search_path schema") {
  auto url = parse_database_url("postgresql://app:s3cret@db/mcp?schema=it's");
  CHECK(mcp::storage::pg_dump_command(url, "a b.dump") ==
        "pg_dump --format=custom --schema='it'\\''s' --file='a b.dump' 'postgresql://app@db/mcp'");
  CHECK(mcp::storage::pg_restore_command(url, "x.dump").find("s3cret") == std::string::npos);
  CHECK(mcp::storage::psql_restore_command(url, "x.sql") ==
        "psql --single-transaction -v ON_ERROR_STOP=1 --dbname='postgresql://app@db/mcp' --file='x.sql'");
  auto plain = parse_database_url("postgresql://db/mcp");
  CHECK(mcp::storage::pg_dump_command(plain, "f") == "pg_dump --format=custom --schema='public' --file='f' 'postgresql://db/mcp'");
}
