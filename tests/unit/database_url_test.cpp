// DATABASE_URL parsing (src/storage/database_url.*): the forms README "Configuration" accepts, and clear refusals.
#include "storage/database_url.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

using mcp::storage::DatabaseUrl;
using mcp::storage::InvalidDatabaseUrl;
using mcp::storage::parse_database_url;

namespace {

// The message of the InvalidDatabaseUrl that parsing `url` throws ("" when none is thrown).
std::string url_error(const std::string& url) {
  try {
    parse_database_url(url);
  } catch (const InvalidDatabaseUrl& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("database url: SQLite forms") {
  struct Case {
    const char* url;
    DatabaseUrl::Kind kind;
    const char* path;
  };
  const Case cases[] = {
      {"file:./mcp_admin.db", DatabaseUrl::Kind::SqliteFile, "./mcp_admin.db"},
      {"file:mcp_admin.db", DatabaseUrl::Kind::SqliteFile, "mcp_admin.db"},
      {"file:/var/lib/mcp-admin/data.db", DatabaseUrl::Kind::SqliteFile, "/var/lib/mcp-admin/data.db"},
      {"file:///var/lib/mcp-admin/data.db", DatabaseUrl::Kind::SqliteFile, "/var/lib/mcp-admin/data.db"},
      {"sqlite:./dev.db", DatabaseUrl::Kind::SqliteFile, "./dev.db"},
      {"sqlite:/srv/dev.db", DatabaseUrl::Kind::SqliteFile, "/srv/dev.db"},
      {"sqlite:///srv/dev.db", DatabaseUrl::Kind::SqliteFile, "/srv/dev.db"},
      {"sqlite://data/dev.db", DatabaseUrl::Kind::SqliteFile, "data/dev.db"},
      {"FILE:./upper.db", DatabaseUrl::Kind::SqliteFile, "./upper.db"},
      {"SQLite:./mixed.db", DatabaseUrl::Kind::SqliteFile, "./mixed.db"},
      {"file:./with space.db", DatabaseUrl::Kind::SqliteFile, "./with space.db"},
      // Prisma writes query parameters that are not SQLite's business: ignored.
      {"file:./dev.db?connection_limit=1", DatabaseUrl::Kind::SqliteFile, "./dev.db"},
      {"sqlite:./dev.db?mode=rwc&cache=shared", DatabaseUrl::Kind::SqliteFile, "./dev.db"},
      {"file:///abs/dev.db?socket_timeout=10", DatabaseUrl::Kind::SqliteFile, "/abs/dev.db"},
      {":memory:", DatabaseUrl::Kind::SqliteMemory, ""},
      {"sqlite::memory:", DatabaseUrl::Kind::SqliteMemory, ""},
      {"file::memory:", DatabaseUrl::Kind::SqliteMemory, ""},
      {"sqlite::memory:?cache=shared", DatabaseUrl::Kind::SqliteMemory, ""},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.url));
    DatabaseUrl url = parse_database_url(c.url);
    CHECK(url.kind == c.kind);
    CHECK(url.sqlite_path == c.path);
    CHECK(url.redacted == c.url);
    CHECK(url.postgres_conninfo.empty());
  }
}

TEST_CASE("database url: PostgreSQL forms, Prisma's schema parameter and other parameters") {
  struct Case {
    const char* url;
    const char* conninfo;
    const char* schema;
    std::map<std::string, std::string> params;
    const char* redacted;
  };
  const Case cases[] = {
      {"postgresql://mcp:s3cret@localhost:5432/mcp_admin?schema=tenant_a",
       "postgresql://mcp:s3cret@localhost:5432/mcp_admin", "tenant_a", {},
       "postgresql://mcp:***@localhost:5432/mcp_admin?schema=tenant_a"},
      {"postgres://mcp:s3cret@db.internal/app", "postgres://mcp:s3cret@db.internal/app", "public", {},
       "postgres://mcp:***@db.internal/app"},
      {"postgresql://localhost/mcp", "postgresql://localhost/mcp", "public", {}, "postgresql://localhost/mcp"},
      {"postgresql://mcp@localhost/mcp", "postgresql://mcp@localhost/mcp", "public", {},
       "postgresql://mcp@localhost/mcp"},
      {"postgresql://u:p@h/db?sslmode=require&schema=s1&connect_timeout=10",
       "postgresql://u:p@h/db?sslmode=require&connect_timeout=10", "s1",
       {{"sslmode", "require"}, {"connect_timeout", "10"}}, "postgresql://u:***@h/db?sslmode=require&schema=s1&connect_timeout=10"},
      {"postgresql://u:p@h/db?schema=s1&sslmode=verify-full", "postgresql://u:p@h/db?sslmode=verify-full", "s1",
       {{"sslmode", "verify-full"}}, "postgresql://u:***@h/db?schema=s1&sslmode=verify-full"},
      {"postgresql://u:p@h/db?sslmode=disable&schema=s1", "postgresql://u:p@h/db?sslmode=disable", "s1",
       {{"sslmode", "disable"}}, "postgresql://u:***@h/db?sslmode=disable&schema=s1"},
      // Percent-escapes: decoded in what we read, passed through untouched to libpq.
      {"postgresql://u:p%40ss%2Fw@h/db?schema=my%20schema&application_name=mcp%2Dadmin",
       "postgresql://u:p%40ss%2Fw@h/db?application_name=mcp%2Dadmin", "my schema",
       {{"application_name", "mcp-admin"}}, "postgresql://u:***@h/db?schema=my%20schema&application_name=mcp%2Dadmin"},
      // A password with an unescaped '@' or ':' is still hidden whole.
      {"postgresql://u:p@ss@h/db", "postgresql://u:p@ss@h/db", "public", {}, "postgresql://u:***@h/db"},
      {"postgresql://u:pa:ss@h/db", "postgresql://u:pa:ss@h/db", "public", {}, "postgresql://u:***@h/db"},
      {"postgresql://u:@h/db", "postgresql://u:@h/db", "public", {}, "postgresql://u:***@h/db"},
      // Several hosts, IPv6, a Unix socket directory given as a parameter.
      {"postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write",
       "postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write", "public",
       {{"target_session_attrs", "read-write"}}, "postgresql://u:***@h1:5432,h2:5433/db?target_session_attrs=read-write"},
      {"postgresql://u:p@[::1]:5432/db", "postgresql://u:p@[::1]:5432/db", "public", {}, "postgresql://u:***@[::1]:5432/db"},
      {"postgresql://[2001:db8::1]/db", "postgresql://[2001:db8::1]/db", "public", {}, "postgresql://[2001:db8::1]/db"},
      {"postgresql:///db?host=/var/run/postgresql", "postgresql:///db?host=/var/run/postgresql", "public",
       {{"host", "/var/run/postgresql"}}, "postgresql:///db?host=/var/run/postgresql"},
      {"postgresql://h:1/db", "postgresql://h:1/db", "public", {}, "postgresql://h:1/db"},
      {"postgresql://h:65535/db", "postgresql://h:65535/db", "public", {}, "postgresql://h:65535/db"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.url));
    DatabaseUrl url = parse_database_url(c.url);
    CHECK(url.kind == DatabaseUrl::Kind::Postgres);
    CHECK(url.postgres_conninfo == c.conninfo);
    CHECK(url.postgres_schema == c.schema);
    CHECK(url.postgres_params == c.params);
    CHECK(url.redacted == c.redacted);
    CHECK(url.sqlite_path.empty());
  }
}

TEST_CASE("database url: a password never appears in redacted, wherever the URL puts it") {
  const char* urls[] = {
      "postgresql://admin:Hunter2Secret@db:5432/app",
      "postgres://admin:Hunter2Secret@db/app?schema=s&sslmode=require",
      "postgresql://db/app?user=admin&password=Hunter2Secret",
      "postgresql://db/app?password=Hunter2Secret&sslmode=require&schema=s",
  };
  for (const char* text : urls) {
    INFO(std::string(text));
    DatabaseUrl url = parse_database_url(text);
    CHECK(url.redacted.find("Hunter2Secret") == std::string::npos);
    CHECK(url.redacted.find("***") != std::string::npos);
    CHECK(url.redacted.find("db") != std::string::npos);
    // libpq still gets it.
    CHECK(url.postgres_conninfo.find("Hunter2Secret") != std::string::npos);
  }
}

TEST_CASE("database url: refusals say what is wrong, and never show a password") {
  struct Case {
    const char* what;
    const char* url;
    const char* mentions;
  };
  const Case cases[] = {
      {"empty", "", "empty"},
      {"unsupported scheme", "mysql://root:Hunter2Secret@localhost/app", "scheme 'mysql' is not supported"},
      {"unsupported scheme, no authority", "redis:localhost", "scheme 'redis'"},
      {"bare relative path", "./data/app.db", "did you mean file:./data/app.db"},
      {"bare file name", "app.db", "did you mean file:app.db"},
      {"bare absolute path", "/var/lib/mcp/app.db", "did you mean file:/var/lib/mcp/app.db"},
      {"file: without a path", "file:", "names no file"},
      {"sqlite: without a path", "sqlite:", "names no file"},
      {"file:// without a path", "file://", "names no file"},
      {"only a query", "file:?mode=ro", "names no file"},
      {"control character", "file:./a\n.db", "control character"},
      {"port too large", "postgresql://u:Hunter2Secret@db:70000/app", "invalid port '70000'"},
      {"port 65536", "postgresql://db:65536/app", "invalid port '65536'"},
      {"port zero", "postgresql://db:0/app", "invalid port '0'"},
      {"negative port", "postgresql://u:Hunter2Secret@db:-1/app", "invalid port '-1'"},
      {"port with letters", "postgresql://db:54x2/app", "invalid port '54x2'"},
      {"empty port", "postgresql://db:/app", "invalid port ''"},
      {"huge port", "postgresql://db:123456789012/app", "invalid port"},
      {"bad port on a second host", "postgresql://h1:5432,h2:port/app", "invalid port 'port'"},
      {"bad port after IPv6", "postgresql://[::1]:99999/app", "invalid port '99999'"},
      {"no host", "postgresql://u:Hunter2Secret@/app", "names no host"},
      {"nothing at all", "postgres://", "names no host"},
      {"empty schema", "postgresql://db/app?schema=", "schema"},
      {"parameter without a value", "postgresql://u:Hunter2Secret@db/app?sslmode", "'sslmode' has no value"},
      {"malformed escape", "postgresql://db/app?schema=a%zz", "percent-escape"},
      {"truncated escape", "postgresql://db/app?schema=ab%4", "percent-escape"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.what) << ": " << c.url);
    std::string message = url_error(c.url);
    CHECK_FALSE(message.empty());
    CHECK(message.find(c.mentions) != std::string::npos);
    CHECK(message.find("Hunter2Secret") == std::string::npos);
  }
}
