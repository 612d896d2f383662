// Migrations (src/storage/migrator.*) against real SQLite databases, in memory and in a file.
#include "storage/migrator.h"

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "storage/database_url.h"
#include "storage/errors.h"
#include "storage/open_database.h"
#include "test_support.h"
#include "util/crypto.h"
#include "util/time.h"

using mcp::storage::apply_migrations;
using mcp::storage::Database;
using mcp::storage::embedded_migrations;
using mcp::storage::make_migration;
using mcp::storage::Migration;
using mcp::storage::migration_status;
using mcp::storage::MigrationStatus;
using mcp::storage::Query;
using mcp::storage::Row;
using mcp::storage::SchemaError;
using mcp::storage::Transaction;
using mcp::storage::Value;

namespace {

constexpr Query kListTables{"test_list_tables",
                            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"};
constexpr Query kListColumns{"test_list_columns", "SELECT name FROM pragma_table_info($1)"};
constexpr Query kCountApplied{"test_count_applied", "SELECT COUNT(*) FROM schema_migrations"};

std::unique_ptr<Database> open(const std::string& url) {
  return mcp::storage::open_database(mcp::storage::parse_database_url(url));
}

std::set<std::string> table_names(Database& db) {
  std::set<std::string> names;
  db.read([&](Transaction& session) {
    for (const Row& row : session.query(kListTables)) names.insert(row.text(0));
  });
  return names;
}

std::set<std::string> column_names(Database& db, const std::string& table) {
  std::set<std::string> names;
  db.read([&](Transaction& session) {
    Value params[] = {table};
    for (const Row& row : session.query(kListColumns, params)) names.insert(row.text(0));
  });
  return names;
}

int64_t applied_count(Database& db) {
  int64_t count = 0;
  db.read([&](Transaction& session) { count = session.query(kCountApplied).at(0).int64(0); });
  return count;
}

// Every table of the schema with the columns the contract names for it.
const std::map<std::string, std::vector<std::string>>& design_tables() {
  static const std::map<std::string, std::vector<std::string>> tables{
      {"organizations", {"clerk_id", "name", "slug", "image_url", "metadata", "deleted_at"}},
      {"users", {"clerk_id", "email", "first_name", "last_name", "image_url", "metadata", "last_sign_in_at",
                 "deleted_at"}},
      {"organization_memberships", {"organization_id", "user_id", "role", "clerk_id", "deleted_at"}},
      {"mcp_servers", {"slug", "name", "description", "url", "transport", "capabilities", "is_active"}},
      {"organization_services", {"organization_id", "mcp_server_id", "enabled", "config"}},
      {"audit_logs", {"organization_id", "actor_type", "actor_id", "action", "target_type", "target_id", "changes",
                      "ip", "user_agent", "request_id"}},
      {"api_keys", {"organization_id", "name", "prefix", "key_hash", "role", "expires_at", "last_used_at",
                    "usage_count", "revoked_at", "created_by"}},
      {"sessions", {"user_id", "organization_id", "clerk_session_id", "metadata", "expires_at", "last_active_at",
                    "revoked_at"}},
      {"webhook_events", {"svix_id", "type", "payload", "received_at", "processed_at", "status", "error"}},
      {"schema_migrations", {"version", "name", "checksum", "applied_at"}},
  };
  return tables;
}

// A tiny table whose migration file is named `file_name`.
Migration table_migration(const std::string& file_name, const std::string& table) {
  return make_migration(file_name, "CREATE TABLE " + table +
                                       " (id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);");
}

}  // namespace

TEST_CASE("migrator: the embedded migrations are numbered, sorted and checksummed") {
  std::vector<Migration> migrations = embedded_migrations();
  REQUIRE_FALSE(migrations.empty());
  CHECK(migrations.front().version == 1);
  CHECK(migrations.front().name == "0001_init");
  for (size_t idx = 0; idx < migrations.size(); ++idx) {
    INFO(migrations[idx].name);
    CHECK(migrations[idx].checksum == mcp::util::sha256_hex(migrations[idx].sql));
    CHECK_FALSE(migrations[idx].sql.empty());
    if (idx > 0) CHECK(migrations[idx - 1].version < migrations[idx].version);
  }
}

TEST_CASE("migrator: applying the embedded migrations creates every table of the schema") {
  mcp::test::TempDir dir;
  const std::string urls[] = {":memory:", "file:" + (dir / "mcp.db").string()};
  for (const std::string& url : urls) {
    INFO(url);
    auto db = open(url);
    const auto migrations = embedded_migrations();

    MigrationStatus before = migration_status(*db, migrations);
    CHECK(before.applied.empty());
    CHECK(before.pending.size() == migrations.size());
    CHECK(before.drifted.empty());
    CHECK(before.unknown.empty());

    const int64_t started = mcp::util::now_ms();
    CHECK(apply_migrations(*db, migrations) == static_cast<int>(migrations.size()));

    std::set<std::string> tables = table_names(*db);
    for (const auto& [table, columns] : design_tables()) {
      INFO(table);
      REQUIRE(tables.count(table) == 1);
      std::set<std::string> present = column_names(*db, table);
      for (const char* common : {"id", "created_at", "updated_at"}) {
        INFO(common);
        CHECK(present.count(common) == 1);
      }
      for (const auto& column : columns) {
        INFO(column);
        CHECK(present.count(column) == 1);
      }
    }

    MigrationStatus after = migration_status(*db, migrations);
    REQUIRE(after.applied.size() == migrations.size());
    CHECK(after.pending.empty());
    CHECK(after.drifted.empty());
    CHECK(after.unknown.empty());
    CHECK(after.applied[0].version == migrations[0].version);
    CHECK(after.applied[0].name == migrations[0].name);
    CHECK(after.applied[0].checksum == migrations[0].checksum);
    CHECK(after.applied[0].applied_at >= started);
    CHECK(after.applied[0].applied_at <= mcp::util::now_ms());

    CHECK(apply_migrations(*db, migrations) == 0);
    CHECK(applied_count(*db) == static_cast<int64_t>(migrations.size()));
  }
}

TEST_CASE("migrator: a file database remembers what was applied across opens") {
  mcp::test::TempDir dir;
  const std::string url = "file:" + (dir / "mcp.db").string();
  const auto migrations = embedded_migrations();
  {
    auto db = open(url);
    CHECK(apply_migrations(*db, migrations) == static_cast<int>(migrations.size()));
    db->close();
  }
  auto reopened = open(url);
  MigrationStatus status = migration_status(*reopened, migrations);
  CHECK(status.applied.size() == migrations.size());
  CHECK(status.pending.empty());
  CHECK(apply_migrations(*reopened, migrations) == 0);
}

TEST_CASE("migrator: pending migrations are applied in order, each once") {
  auto db = open(":memory:");
  const Migration first = table_migration("0001_first.sql", "first_table");
  const Migration second = table_migration("0002_second.sql", "second_table");
  const Migration third = table_migration("0010_third.sql", "third_table");

  CHECK(apply_migrations(*db, {first}) == 1);
  MigrationStatus status = migration_status(*db, {first, second, third});
  REQUIRE(status.applied.size() == 1);
  CHECK(status.applied[0].name == "0001_first");
  REQUIRE(status.pending.size() == 2);
  CHECK(status.pending[0].name == "0002_second");
  CHECK(status.pending[1].name == "0010_third");

  CHECK(apply_migrations(*db, {first, second, third}) == 2);
  CHECK(table_names(*db).count("third_table") == 1);
  status = migration_status(*db, {first, second, third});
  CHECK(status.applied.size() == 3);
  CHECK(status.applied[2].version == 10);
  CHECK(status.pending.empty());
}

TEST_CASE("migrator: a changed applied migration is drift, and nothing more is applied") {
  auto db = open(":memory:");
  const Migration first = table_migration("0001_first.sql", "first_table");
  const Migration second = table_migration("0002_second.sql", "second_table");
  REQUIRE(apply_migrations(*db, {first}) == 1);

  Migration edited = make_migration("0001_first.sql", first.sql + "\n-- an innocent-looking comment\n");
  REQUIRE(edited.checksum != first.checksum);

  MigrationStatus status = migration_status(*db, {edited, second});
  REQUIRE(status.drifted.size() == 1);
  CHECK(status.drifted[0].name == "0001_first");
  CHECK(status.drifted[0].checksum == first.checksum);
  REQUIRE(status.pending.size() == 1);
  CHECK(status.pending[0].name == "0002_second");

  try {
    apply_migrations(*db, {edited, second});
    FAIL("drift was not refused");
  } catch (const SchemaError& e) {
    std::string message = e.what();
    CHECK(message.find("0001_first") != std::string::npos);
    CHECK(message.find("drift") != std::string::npos);
  }
  // The later pending migration was not applied.
  CHECK(table_names(*db).count("second_table") == 0);
  CHECK(applied_count(*db) == 1);

  // Restoring the original file makes the database usable again.
  CHECK(apply_migrations(*db, {first, second}) == 1);
  CHECK(table_names(*db).count("second_table") == 1);
}

TEST_CASE("migrator: a failing migration leaves no trace and keeps the earlier ones of the same run") {
  auto db = open(":memory:");
  const Migration first = table_migration("0001_first.sql", "first_table");
  const Migration broken = make_migration(
      "0002_broken.sql", "CREATE TABLE half_done (id TEXT PRIMARY KEY);\nCREATE TABLE oops (id TEXT PRIMARY KEY,;\n");
  const Migration third = table_migration("0003_third.sql", "third_table");

  CHECK_THROWS_AS(apply_migrations(*db, {first, broken, third}), mcp::storage::StorageError);
  std::set<std::string> tables = table_names(*db);
  CHECK(tables.count("first_table") == 1);
  CHECK(tables.count("half_done") == 0);
  CHECK(tables.count("third_table") == 0);
  MigrationStatus status = migration_status(*db, {first, broken, third});
  CHECK(status.applied.size() == 1);
  CHECK(status.pending.size() == 2);
}

TEST_CASE("migrator: an applied version this binary does not know is listed as unknown") {
  auto db = open(":memory:");
  const Migration first = table_migration("0001_first.sql", "first_table");
  const Migration newer = table_migration("0002_newer.sql", "newer_table");
  REQUIRE(apply_migrations(*db, {first, newer}) == 2);

  MigrationStatus status = migration_status(*db, {first});
  REQUIRE(status.unknown.size() == 1);
  CHECK(status.unknown[0].version == 2);
  CHECK(status.unknown[0].name == "0002_newer");
  CHECK(status.applied.size() == 2);
  CHECK(status.pending.empty());
  CHECK(status.drifted.empty());
  CHECK(apply_migrations(*db, {first}) == 0);
}

TEST_CASE("migrator: make_migration reads the version and name from the file name") {
  Migration migration = make_migration("0007_add_index.sql", "CREATE INDEX x ON t (c);");
  CHECK(migration.version == 7);
  CHECK(migration.name == "0007_add_index");
  CHECK(migration.sql == "CREATE INDEX x ON t (c);");
  CHECK(migration.checksum == mcp::util::sha256_hex("CREATE INDEX x ON t (c);"));
  CHECK(make_migration("20240101120000_big_version.sql", "").version == 20240101120000);
  CHECK(make_migration("1_a.sql", "").version == 1);
}

TEST_CASE("migrator: make_migration rejects file names that are not NNNN_description.sql") {
  const char* bad_names[] = {
      "init.sql",         "_init.sql",      "0001init.sql",       "0001_init",
      "0001_init.txt",    "0001_init.sql~", "v0001_init.sql",     "00a1_init.sql",
      "-001_init.sql",    "",               ".sql",               "0001_init.sql.bak",
      "99999999999999999999_overflow.sql",
  };
  for (const char* name : bad_names) {
    INFO(std::string(name));
    CHECK_THROWS_AS(make_migration(name, "SELECT 1;"), SchemaError);
  }
}

// The embedded migrations' checksums are computed by the build (cmake/EmbedScript.cmake), not at
// each start; a database migrated by an older binary stored SHA-256 of the same text, so the two
// must agree or every upgrade would read as drift.
TEST_CASE("migrator: the build's checksum of each embedded migration is the SHA-256 of its text") {
  auto migrations = embedded_migrations();
  REQUIRE(migrations.size() >= 4);
  for (const Migration& migration : migrations) {
    CHECK_MESSAGE(migration.checksum == mcp::util::sha256_hex(migration.sql), migration.name);
    CHECK(migration.checksum.size() == 64);
  }
}
