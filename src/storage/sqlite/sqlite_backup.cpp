#include "storage/sqlite/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "util/crypto.h"

namespace mcp::storage {

namespace {

// Pages copied per backup step (4 MiB with 4 KiB pages): between steps the command could report
// progress or stop; the snapshot stays the same (see backup_sqlite).
constexpr int kPagesPerStep = 1024;
constexpr int kBusyTimeoutMs = 10000;
// A step that found the destination locked (after SQLite's own busy timeout of 10 s) is retried
// this many times, 50 ms apart: a server's write transactions last milliseconds.
constexpr int kBusyRetries = 3;

// One sqlite3 connection, closed on scope exit.
class Handle {
 public:
  Handle(const std::string& path, int flags, const std::string& purpose) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw Unavailable("cannot open " + purpose + " '" + path + "': " + why);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { close(); }

  sqlite3* get() const { return db_; }
  std::string error() const { return sqlite3_errmsg(db_); }
  void close() {
    if (db_) sqlite3_close_v2(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Runs `sql` and returns the first column of every row as text. Throws StorageError naming `what`.
std::vector<std::string> column_of(const Handle& handle, const std::string& sql, const std::string& what) {
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v2(handle.get(), sql.c_str(), -1, &statement, nullptr);
  std::vector<std::string> values;
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(statement, 0);
      values.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
  }
  std::string why = handle.error();
  sqlite3_finalize(statement);
  if (rc != SQLITE_DONE) throw StorageError(what + ": " + why);
  return values;
}

void exec(const Handle& handle, const char* sql, const std::string& what) { column_of(handle, sql, what); }

std::string quoted_identifier(const std::string& name) { return "\"" + name + "\""; }

int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

void fsync_path(const std::string& path, int flags, const std::string& what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw Unavailable("cannot open " + what + " '" + path + "' to sync it: " + std::strerror(errno));
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  if (rc != 0) throw Unavailable("cannot sync " + what + " '" + path + "' to disk: " + std::strerror(saved));
}

std::string directory_of(const std::string& file) {
  std::filesystem::path parent = std::filesystem::path(file).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// Reads what an mcp-admin file holds, on an open connection: schema_migrations and row counts.
// Throws NotABackup naming `path` when it is not an mcp-admin database.
SqliteFileSummary summarize(const Handle& handle, const std::string& path) {
  SqliteFileSummary summary;
  summary.path = path;
  std::vector<std::string> tables = column_of(handle, "SELECT name FROM sqlite_master WHERE type = 'table'",
                                              "read the tables of '" + path + "'");
  auto has_table = [&](const std::string& name) {
    for (const auto& table : tables) {
      if (table == name) return true;
    }
    return false;
  };
  if (!has_table("schema_migrations")) {
    throw NotABackup("'" + path + "' is an SQLite database but not mcp-admin's (it has no schema_migrations table)");
  }
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(handle.get(), "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version",
                         -1, &statement, nullptr) != SQLITE_OK) {
    throw NotABackup("'" + path + "': schema_migrations is unreadable: " + handle.error());
  }
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    AppliedMigration row;
    row.version = sqlite3_column_int64(statement, 0);
    const unsigned char* name = sqlite3_column_text(statement, 1);
    const unsigned char* checksum = sqlite3_column_text(statement, 2);
    row.name = name ? reinterpret_cast<const char*>(name) : "";
    row.checksum = checksum ? reinterpret_cast<const char*>(checksum) : "";
    row.applied_at = sqlite3_column_int64(statement, 3);
    summary.schema_version = std::max(summary.schema_version, row.version);
    summary.migrations.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  if (rc != SQLITE_DONE) throw NotABackup("'" + path + "': schema_migrations is unreadable: " + handle.error());
  for (const auto& table : data_tables()) {
    if (!has_table(table)) continue;
    auto count = column_of(handle, "SELECT count(*) FROM " + quoted_identifier(table), "count the rows of " + table);
    summary.row_counts.emplace_back(table, count.empty() ? 0 : std::stoll(count.front()));
  }
  summary.bytes = file_size(path);
  return summary;
}

// integrity_check on an open connection; throws NotABackup with SQLite's first complaint.
void check_integrity(const Handle& handle, const std::string& path) {
  std::vector<std::string> problems;
  try {
    problems = column_of(handle, "PRAGMA integrity_check", "integrity_check");
  } catch (const StorageError& e) {
    throw NotABackup("'" + path + "' is not a usable SQLite database (" + e.what() + ")");
  }
  if (problems.size() != 1 || problems.front() != "ok") {
    throw NotABackup("'" + path + "' is damaged: integrity_check reports " +
                     (problems.empty() ? std::string("nothing") : "\"" + problems.front() + "\"") +
                     (problems.size() > 1 ? " and " + std::to_string(problems.size() - 1) + " more" : ""));
  }
}

// The temporary file of a backup and SQLite's side files, removed unless released.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::string path) : path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    for (const char* suffix : {"-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
    if (!released_) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  void release() { released_ = true; }

 private:
  std::string path_;
  bool released_ = false;
};

// Whether two paths name the same existing file (hard links and different spellings included).
bool same_file(const std::string& a, const std::string& b) {
  struct stat first {};
  struct stat second {};
  return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 && first.st_dev == second.st_dev &&
         first.st_ino == second.st_ino;
}

// Moves `from` onto `to`; without `overwrite`, atomically refuses when `to` exists.
void move_into_place(const std::string& from, const std::string& to, bool overwrite) {
  if (overwrite) {
    if (std::rename(from.c_str(), to.c_str()) != 0) {
      throw Unavailable("cannot rename '" + from + "' to '" + to + "': " + std::strerror(errno));
    }
    return;
  }
  // link() fails with EEXIST when `to` exists: a no-clobber rename on every Linux file system.
  if (::link(from.c_str(), to.c_str()) != 0) {
    if (errno == EEXIST) {
      throw CopyRefused("'" + to + "' appeared while the backup ran; it was left as it is (pass --force to replace it)");
    }
    throw Unavailable("cannot create '" + to + "': " + std::strerror(errno));
  }
  ::unlink(from.c_str());
}

// Steps `backup` to the end; SQLITE_BUSY / LOCKED (the destination is being written) are retried
// a bounded number of times. Throws with `what` on any other error.
void run_backup(sqlite3_backup* backup, int pages_per_step, const Handle& destination, const std::string& what) {
  int busy_retries = 0;
  for (;;) {
    int rc = sqlite3_backup_step(backup, pages_per_step);
    if (rc == SQLITE_DONE) return;
    if (rc == SQLITE_OK) continue;
    int primary = rc & 0xff;
    if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) && busy_retries++ < kBusyRetries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    std::string why = sqlite3_errstr(rc);
    if (sqlite3_errcode(destination.get()) != SQLITE_OK) why += " (" + destination.error() + ")";
    throw Unavailable(what + ": " + why);
  }
}

}  // namespace

const std::vector<std::string>& data_tables() {
  static const std::vector<std::string> tables{
      "organizations", "users",         "organization_memberships", "mcp_servers",   "organization_services",
      "api_keys",      "sessions",      "audit_logs",               "webhook_events",
  };
  return tables;
}

int64_t SqliteFileSummary::total_rows() const {
  int64_t total = 0;
  for (const auto& [table, count] : row_counts) total += count;
  return total;
}

std::string SqliteFileSummary::describe_rows() const {
  std::string out;
  for (const auto& [table, count] : row_counts) {
    if (count == 0) continue;
    if (!out.empty()) out += ", ";
    out += table;
    out += ' ';
    out += std::to_string(count);
  }
  return out.empty() ? "no rows" : out;
}

SqliteFileSummary backup_sqlite(const std::string& database_path, const std::string& file, bool overwrite) {
  if (same_file(database_path, file)) {
    // Renaming a copy onto the live file would cut running servers off from it.
    throw CopyRefused("'" + file + "' is the database itself; name another file");
  }
  if (!overwrite && std::filesystem::exists(file)) {
    throw CopyRefused("'" + file + "' exists; pass --force to replace it, or name another file");
  }
  if (std::filesystem::is_directory(file)) throw CopyRefused("'" + file + "' is a directory; name a file");
  // Without SQLITE_OPEN_CREATE: a wrong path is an error, not a new empty database.
  Handle source(database_path, SQLITE_OPEN_READWRITE, "the SQLite database");
  std::vector<std::string> mode = column_of(source, "PRAGMA journal_mode", "read the journal mode of '" + database_path + "'");
  bool wal = !mode.empty() && mode.front() == "wal";

  TemporaryFile temporary(file + ".tmp-" + std::to_string(::getpid()) + "-" + util::hex_encode(util::random_bytes(6)));
  {
    // Reserve the name (O_EXCL): an empty file is a valid empty SQLite database.
    int fd = ::open(temporary.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      throw Unavailable("cannot create a temporary file beside '" + file + "' (" + temporary.path() +
                        "): " + std::strerror(errno) + " (does the directory exist, and may this user write to it?)");
    }
    ::close(fd);
  }
  {
    Handle destination(temporary.path(), SQLITE_OPEN_READWRITE, "the temporary copy");
    // The copy is synced once, as a whole, before it is renamed into place (below).
    exec(destination, "PRAGMA synchronous = OFF", "prepare the temporary copy");
    sqlite3_backup* backup = sqlite3_backup_init(destination.get(), "main", source.get(), "main");
    if (!backup) throw StorageError("cannot start the backup: " + destination.error());
    try {
      if (wal) {
        // One read transaction around every step: all chunks come from one snapshot, so the copy
        // is consistent and is never restarted by a server's commits, and in WAL mode a reader
        // never blocks a writer (the server goes on committing into the -wal file meanwhile).
        exec(source, "BEGIN", "start the read transaction");
        exec(source, "SELECT count(*) FROM sqlite_master", "start the read transaction");
        run_backup(backup, kPagesPerStep, destination, "backup of '" + database_path + "' failed");
        exec(source, "COMMIT", "end the read transaction");
      } else {
        // Rollback-journal mode means no mcp-admin server has this file open (serve switches it
        // to WAL): copy in one step, under one shared lock.
        run_backup(backup, -1, destination, "backup of '" + database_path + "' failed");
      }
    } catch (...) {
      sqlite3_backup_finish(backup);
      throw;
    }
    if (sqlite3_backup_finish(backup) != SQLITE_OK) {
      throw Unavailable("backup of '" + database_path + "' failed: " + destination.error());
    }
    // The pages carry the source's WAL flag; a backup file is better self-contained.
    exec(destination, "PRAGMA journal_mode = DELETE", "switch the copy to rollback-journal mode");
  }
  source.close();

  SqliteFileSummary summary;
  {
    Handle copy(temporary.path(), SQLITE_OPEN_READONLY, "the temporary copy");
    check_integrity(copy, temporary.path());
    summary = summarize(copy, temporary.path());
  }
  fsync_path(temporary.path(), O_RDONLY, "the copy");
  move_into_place(temporary.path(), file, overwrite);
  temporary.release();
  fsync_path(directory_of(file), O_RDONLY | O_DIRECTORY, "the directory");
  summary.path = file;
  summary.bytes = file_size(file);
  return summary;
}

SqliteFileSummary inspect_sqlite_backup(const std::string& file, const std::vector<Migration>& known) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) throw NotABackup("'" + file + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw NotABackup("'" + file + "' is not a regular file");
  if (st.st_size == 0) throw NotABackup("'" + file + "' is empty, not an mcp-admin backup");
  SqliteFileSummary summary;
  {
    Handle handle(file, SQLITE_OPEN_READONLY, "the backup");
    check_integrity(handle, file);
    summary = summarize(handle, file);
  }
  if (summary.migrations.empty()) throw NotABackup("'" + file + "' has no applied migration: it holds no mcp-admin schema");
  std::map<int64_t, const Migration*> by_version;
  for (const auto& migration : known) by_version[migration.version] = &migration;
  for (const auto& applied : summary.migrations) {
    auto found = by_version.find(applied.version);
    if (found == by_version.end()) {
      throw NotABackup("'" + file + "' was made by a newer mcp-admin (migration " + applied.name +
                       " is unknown to this binary): restore it with that version or newer");
    }
    if (found->second->checksum != applied.checksum) {
      throw NotABackup("'" + file + "': migration " + applied.name +
                       " differs from this binary's (checksum drift): restore it with the mcp-admin that made it");
    }
  }
  return summary;
}

std::optional<SqliteFileSummary> inspect_sqlite_target(const std::string& database_path) {
  struct stat st {};
  if (::stat(database_path.c_str(), &st) != 0 || st.st_size == 0) return std::nullopt;
  Handle handle(database_path, SQLITE_OPEN_READWRITE, "the target database");
  exec(handle, "PRAGMA query_only = ON", "open the target database");
  try {
    return summarize(handle, database_path);
  } catch (const NotABackup&) {
    // Another application's database: report what it holds all the same (the caller refuses).
    SqliteFileSummary summary;
    summary.path = database_path;
    summary.bytes = st.st_size;
    auto tables = column_of(handle, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", "read the target");
    summary.row_counts.emplace_back("tables of another application", tables.empty() ? 0 : std::stoll(tables.front()));
    return summary;
  }
}

void restore_sqlite(const std::string& file, const std::string& database_path) {
  if (same_file(file, database_path)) throw CopyRefused("'" + file + "' is the database itself: nothing to restore");
  Handle source(file, SQLITE_OPEN_READONLY, "the backup");
  Handle destination(database_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "the target database");
  exec(destination, "PRAGMA synchronous = FULL", "prepare the target database");
  auto source_page = column_of(source, "PRAGMA page_size", "read the backup's page size");
  auto target_page = column_of(destination, "PRAGMA page_size", "read the target's page size");
  auto target_mode = column_of(destination, "PRAGMA journal_mode", "read the target's journal mode");
  if (!target_mode.empty() && target_mode.front() == "wal" && source_page != target_page) {
    // SQLite cannot change the page size of a WAL database through the backup API.
    throw StorageError("the backup's page size (" + source_page.front() + ") differs from the target's (" +
                       target_page.front() + "); stop the servers, remove '" + database_path +
                       "' (and its -wal, -shm files), then restore again");
  }
  sqlite3_backup* backup = sqlite3_backup_init(destination.get(), "main", source.get(), "main");
  if (!backup) throw StorageError("cannot start the restore: " + destination.error());
  try {
    // All pages in one step: one write transaction on the target, so other connections see the
    // old database or the new one, never a mix.
    run_backup(backup, -1, destination, "restore into '" + database_path + "' failed");
  } catch (...) {
    sqlite3_backup_finish(backup);
    throw;
  }
  if (sqlite3_backup_finish(backup) != SQLITE_OK) {
    throw Unavailable("restore into '" + database_path + "' failed: " + destination.error());
  }
}

}  // namespace mcp::storage
