#pragma once
// `mcp-admin backup` and `restore` on SQLite: whole-database copies with SQLite's online backup
// API (sqlite3_backup_*), safe while a server writes to the same file.
//
// Why the backup API and not VACUUM INTO: one mechanism serves both directions, and only the
// backup API can write INTO a database that a running server has open (restore), as one
// transaction the server's connections see as a whole. It copies pages as they are (no index
// rebuild, so less CPU on a small box) and lets us copy in chunks.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/errors.h"
#include "storage/migrator.h"

namespace mcp::storage {

// The copy would destroy something (an existing FILE, a target database holding data): the
// message says what and how to go ahead (--force). Exit status 1.
class CopyRefused : public StorageError {
 public:
  using StorageError::StorageError;
};

// A file given to restore is not a usable mcp-admin SQLite database (not SQLite, truncated or
// damaged, another application's, made by a newer mcp-admin). Nothing was touched.
class NotABackup : public StorageError {
 public:
  using StorageError::StorageError;
};

// The tables holding an installation's data, in the order summaries list them. A database with a
// row in any of them is "non-empty" for restore.
const std::vector<std::string>& data_tables();

// What an mcp-admin SQLite file holds.
struct SqliteFileSummary {
  std::string path;
  int64_t bytes = 0;
  int64_t schema_version = 0;  // the highest applied migration, 0 when none
  std::vector<AppliedMigration> migrations;
  std::vector<std::pair<std::string, int64_t>> row_counts;  // data_tables() that exist, in that order

  int64_t total_rows() const;
  // "organizations 2, users 3, …" (tables with rows only; "no rows" when empty).
  std::string describe_rows() const;
};

// Copies the database at `database_path` to `file`: into a temporary file beside `file`, stepped
// in chunks inside one read transaction (WAL: one consistent snapshot, writers never wait), then
// checked (integrity_check, schema_migrations), fsynced, renamed into place, directory fsynced.
// Without `overwrite` an existing `file` is refused (CopyRefused), also when it appears meanwhile.
// The copy is a self-contained file (rollback journal mode, no -wal beside it).
SqliteFileSummary backup_sqlite(const std::string& database_path, const std::string& file, bool overwrite);

// Checks that `file` is an mcp-admin SQLite database this binary can restore: integrity_check ok,
// schema_migrations present, every applied migration known to this binary with the same checksum.
// Opens it read-only. Throws NotABackup with what is wrong.
SqliteFileSummary inspect_sqlite_backup(const std::string& file, const std::vector<Migration>& known);

// What the database at `database_path` holds; nullopt when there is no file (or an empty one).
// Throws StorageError when the file exists but is not an SQLite database.
std::optional<SqliteFileSummary> inspect_sqlite_target(const std::string& database_path);

// Replaces the content of the database at `database_path` (created when absent) by that of
// `file`, in one write transaction through the backup API: connections of a running server see
// the old content or the new one, never a mix, and go on working on the same file.
void restore_sqlite(const std::string& file, const std::string& database_path);

}  // namespace mcp::storage
