#include "storage/migrator.h"

#include <algorithm>
#include <map>

#include "embedded/files.h"
#include "storage/errors.h"
#include "util/crypto.h"
#include "util/ids.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  id          TEXT PRIMARY KEY,
  version     BIGINT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  checksum    TEXT NOT NULL,
  applied_at  BIGINT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
))sql";

constexpr Query kSelectApplied{"select_applied_migrations",
                               "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"};
constexpr Query kInsertApplied{
    "insert_applied_migration",
    "INSERT INTO schema_migrations (id, version, name, checksum, applied_at, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $5, $5)"};

std::vector<AppliedMigration> read_applied(Transaction& session) {
  std::vector<AppliedMigration> applied;
  for (const Row& row : session.query(kSelectApplied)) {
    applied.push_back({row.int64(0), row.text(1), row.text(2), row.int64(3)});
  }
  return applied;
}

MigrationStatus compare(const std::vector<AppliedMigration>& applied, const std::vector<Migration>& migrations) {
  MigrationStatus status;
  status.applied = applied;
  std::map<int64_t, const AppliedMigration*> by_version;
  for (const auto& row : applied) by_version[row.version] = &row;
  for (const auto& migration : migrations) {
    auto found = by_version.find(migration.version);
    if (found == by_version.end()) {
      status.pending.push_back(migration);
    } else {
      if (found->second->checksum != migration.checksum) status.drifted.push_back(*found->second);
      by_version.erase(found);
    }
  }
  for (const auto& [version, row] : by_version) status.unknown.push_back(*row);
  return status;
}

std::string names_of(const std::vector<AppliedMigration>& rows) {
  std::string out;
  for (const auto& row : rows) out += (out.empty() ? "" : ", ") + row.name;
  return out;
}

}  // namespace

Migration make_migration(const std::string& file_name, std::string sql) {
  std::string checksum = util::sha256_hex(sql);
  return make_migration(file_name, std::move(sql), std::move(checksum));
}

Migration make_migration(const std::string& file_name, std::string sql, std::string checksum) {
  size_t underscore = file_name.find('_');
  // At most 18 digits: the version always fits an int64 (std::stoll would throw out_of_range).
  bool numbered = underscore != std::string::npos && underscore > 0 && underscore <= 18 &&
                  std::all_of(file_name.begin(), file_name.begin() + static_cast<long>(underscore),
                              [](char c) { return c >= '0' && c <= '9'; });
  if (!numbered || file_name.size() < 5 || file_name.substr(file_name.size() - 4) != ".sql") {
    throw SchemaError("migration file '" + file_name + "' is not named NNNN_description.sql");
  }
  Migration migration;
  migration.version = std::stoll(file_name.substr(0, underscore));
  migration.name = file_name.substr(0, file_name.size() - 4);
  migration.checksum = std::move(checksum);
  migration.sql = std::move(sql);
  return migration;
}

std::vector<Migration> embedded_migrations() {
  std::vector<Migration> migrations;
  for (const auto& file : embedded::files()) {
    std::string_view path = file.path;
    if (path.substr(0, 7) != "schema/" || path.size() < 4 || path.substr(path.size() - 4) != ".sql") continue;
    migrations.push_back(make_migration(std::string(path.substr(7)), std::string(file.bytes), std::string(file.sha256)));
  }
  std::sort(migrations.begin(), migrations.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return migrations;
}

MigrationStatus migration_status(Database& db, const std::vector<Migration>& migrations) {
  db.write([](Transaction& session) {
    session.lock_for_migration();
    session.execute_script(kCreateMigrationsTable);
  });
  auto applied = read_value(db, [](Transaction& session) { return read_applied(session); });
  return compare(applied, migrations);
}

int apply_migrations(Database& db, const std::vector<Migration>& migrations) {
  MigrationStatus status = migration_status(db, migrations);
  if (!status.drifted.empty()) {
    throw SchemaError("migration drift: " + names_of(status.drifted) +
                      " changed after being applied (checksum differs); restore the original file, or reset a "
                      "development database with `mcp-admin push --force-reset`");
  }
  int count = 0;
  for (const Migration& migration : status.pending) {
    // Each migration in its own transaction; the re-check inside makes a concurrent migrator harmless.
    bool applied_now = write_value(db, [&](Transaction& session) {
      session.lock_for_migration();
      for (const auto& row : read_applied(session)) {
        if (row.version == migration.version) return false;
      }
      session.execute_script(migration.sql);
      int64_t now = util::now_ms();
      Value params[] = {util::new_uuid_v7(), migration.version, migration.name, migration.checksum, now};
      session.execute(kInsertApplied, params);
      return true;
    });
    if (applied_now) ++count;
  }
  return count;
}

}  // namespace mcp::storage
