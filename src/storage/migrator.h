#pragma once
// Numbered migrations from schema/NNNN_name.sql, embedded in the binary, applied in order, each in
// its own transaction, and recorded in schema_migrations with the SHA-256 of the file. An applied
// migration whose file has changed since is drift: reported, and nothing more is applied.
#include <cstdint>
#include <string>
#include <vector>

#include "storage/database.h"

namespace mcp::storage {

struct Migration {
  int64_t version = 0;
  std::string name;      // "0001_init"
  std::string sql;
  std::string checksum;  // SHA-256 hex of sql
};

struct AppliedMigration {
  int64_t version = 0;
  std::string name;
  std::string checksum;
  int64_t applied_at = 0;
};

struct MigrationStatus {
  std::vector<AppliedMigration> applied;
  std::vector<Migration> pending;
  std::vector<AppliedMigration> drifted;  // applied, but the file's checksum differs now
  std::vector<AppliedMigration> unknown;  // applied, but this binary has no such migration (newer binary ran)
};

// The migrations compiled into this binary, sorted by version.
std::vector<Migration> embedded_migrations();

// Builds a migration from a file name like "0002_add_x.sql" and its text; throws on a bad name.
Migration make_migration(const std::string& file_name, std::string sql);
// The same for an embedded file whose checksum the build computed (no SHA-256 at each start).
Migration make_migration(const std::string& file_name, std::string sql, std::string checksum);

// What is applied, pending and drifted. Creates schema_migrations if absent.
MigrationStatus migration_status(Database& db, const std::vector<Migration>& migrations);

// Applies every pending migration; returns how many. Throws SchemaError on drift (before applying anything).
int apply_migrations(Database& db, const std::vector<Migration>& migrations);

}  // namespace mcp::storage
