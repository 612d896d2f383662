#include "storage/sqlite/sqlite_database.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <mutex>
#include <unordered_map>

#include "storage/errors.h"
#include "storage/group_commit.h"
#include "util/log.h"

namespace mcp::storage {

namespace {

// Translates SQLite's result codes into the storage error kinds; other exceptions pass unchanged.
[[noreturn]] void rethrow_translated(std::exception_ptr error, const char* query_name) {
  try {
    std::rethrow_exception(error);
  } catch (const SQLite::Exception& e) {
    std::string what = std::string(query_name) + ": " + e.getErrorStr() + " (" + e.what() + ")";
    switch (e.getExtendedErrorCode()) {
      case SQLITE_CONSTRAINT_UNIQUE:
      case SQLITE_CONSTRAINT_PRIMARYKEY: throw UniqueViolation(what);
      case SQLITE_CONSTRAINT_FOREIGNKEY: throw ForeignKeyViolation(what);
      case SQLITE_CONSTRAINT_CHECK:
      case SQLITE_CONSTRAINT_NOTNULL: throw CheckViolation(what);
      default: break;
    }
    switch (e.getErrorCode()) {
      case SQLITE_IOERR: throw Unavailable(what, UnavailableReason::IoError);
      case SQLITE_FULL: throw Unavailable(what, UnavailableReason::DiskFull);
      case SQLITE_CANTOPEN: throw Unavailable(what, UnavailableReason::Unreachable);
      case SQLITE_BUSY:
      case SQLITE_LOCKED: throw Unavailable(what, UnavailableReason::Busy);
      case SQLITE_READONLY: throw Unavailable(what, UnavailableReason::ReadOnly);
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB: throw Unavailable(what, UnavailableReason::Corrupt);
      case SQLITE_PROTOCOL: throw Unavailable(what);
      default: throw StorageError(what);
    }
  }
}

struct CachedStatement {
  std::unique_ptr<SQLite::Statement> statement;
  std::vector<int> index_of_param;  // $k is bound at index_of_param[k-1] (0 when unused)
};

// One SQLite connection with its prepared statements, used by one thread at a time.
class Connection {
 public:
  Connection(const std::string& path, int flags, int busy_timeout_ms)
      : db_(path, flags | SQLite::OPEN_NOMUTEX, busy_timeout_ms) {}

  SQLite::Database& db() { return db_; }

  CachedStatement& prepared(const Query& query) {
    auto found = cache_.find(query.sql);
    if (found != cache_.end()) return found->second;
    CachedStatement cached;
    cached.statement = std::make_unique<SQLite::Statement>(db_, query.sql);
    // Shared SQL numbers its parameters $1..$n; SQLite treats "$1" as a name: bind by name.
    int count = cached.statement->getBindParameterCount();
    for (int k = 1; k <= count; ++k) {
      std::string name(1, '$');
      name += std::to_string(k);  // not "$" + …: GCC 12 false -Wrestrict (PR105329)
      cached.index_of_param.push_back(cached.statement->getIndex(name.c_str()));
    }
    return cache_.emplace(query.sql, std::move(cached)).first->second;
  }

 private:
  SQLite::Database db_;
  std::unordered_map<const char*, CachedStatement> cache_;
};

void exec_or_translate(Connection& connection, const char* sql);

class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(Connection& connection) : connection_(connection) {}

  Engine engine() const override { return Engine::Sqlite; }

  Rows query(const Query& query, Params params) override {
    Rows rows;
    run(query, params, [&](SQLite::Statement& statement) {
      int columns = statement.getColumnCount();
      while (statement.executeStep()) {
        std::vector<Value> cells;
        cells.reserve(static_cast<size_t>(columns));
        for (int col = 0; col < columns; ++col) {
          SQLite::Column column = statement.getColumn(col);
          switch (column.getType()) {
            case SQLITE_INTEGER: cells.emplace_back(static_cast<int64_t>(column.getInt64())); break;
            case SQLITE_FLOAT: cells.emplace_back(column.getDouble()); break;
            case SQLITE_NULL: cells.emplace_back(std::monostate{}); break;
            default: cells.emplace_back(column.getString()); break;
          }
        }
        rows.emplace_back(std::move(cells));
      }
    });
    return rows;
  }

  int64_t execute(const Query& query, Params params) override {
    int64_t changed = 0;
    run(query, params, [&](SQLite::Statement& statement) {
      while (statement.executeStep()) {
      }
      changed = sqlite3_changes(connection_.db().getHandle());
    });
    return changed;
  }

  void execute_script(std::string_view sql) override {
    try {
      connection_.db().exec(std::string(sql));
    } catch (...) {
      rethrow_translated(std::current_exception(), "script");
    }
  }

  void within_savepoint(const std::function<void()>& fn) override {
    exec_or_translate(connection_, "SAVEPOINT part");
    try {
      fn();
    } catch (...) {
      exec_or_translate(connection_, "ROLLBACK TO part");
      exec_or_translate(connection_, "RELEASE part");
      throw;
    }
    exec_or_translate(connection_, "RELEASE part");
  }

 private:
  template <typename Body>
  void run(const Query& query, Params params, Body&& body) {
    try {
      CachedStatement& cached = connection_.prepared(query);
      SQLite::Statement& statement = *cached.statement;
      struct ResetOnExit {
        SQLite::Statement& s;
        ~ResetOnExit() {
          s.tryReset();
          try {
            s.clearBindings();
          } catch (...) {
          }
        }
      } reset_on_exit{statement};
      if (params.size() != cached.index_of_param.size()) {
        throw StorageError(std::string(query.name) + ": expects " + std::to_string(cached.index_of_param.size()) +
                           " parameters, got " + std::to_string(params.size()));
      }
      for (size_t k = 0; k < params.size(); ++k) {
        int index = cached.index_of_param[k];
        if (index == 0) continue;
        std::visit(
            [&](const auto& value) {
              using T = std::decay_t<decltype(value)>;
              if constexpr (std::is_same_v<T, std::monostate>) statement.bind(index);
              else if constexpr (std::is_same_v<T, bool>) statement.bind(index, value ? 1 : 0);
              else if constexpr (std::is_same_v<T, std::string>) statement.bindNoCopy(index, value);
              else statement.bind(index, value);
            },
            params[k]);
      }
      body(statement);
    } catch (const StorageError&) {
      throw;
    } catch (const SQLite::Exception&) {
      rethrow_translated(std::current_exception(), query.name);
    }
  }

  Connection& connection_;
};

// Runs one statement without parameters. `sql` must be a string literal: its address keys the
// connection's prepared-statement cache, so BEGIN, SAVEPOINT, COMMIT… are parsed once, not per use.
void exec_or_translate(Connection& connection, const char* sql) {
  try {
    SQLite::Statement& statement = *connection.prepared(Query{sql, sql}).statement;
    struct ResetOnExit {
      SQLite::Statement& s;
      ~ResetOnExit() { s.tryReset(); }
    } reset_on_exit{statement};
    while (statement.executeStep()) {
    }
  } catch (...) {
    rethrow_translated(std::current_exception(), sql);
  }
}

constexpr Query kSelectOne{"ping", "SELECT 1"};
constexpr Query kListTablesNewestFirst{
    "list_tables", "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid DESC"};

// The writer connection's transaction verbs, for the shared group-commit writer.
class SqliteBatchConnection final : public BatchConnection {
 public:
  explicit SqliteBatchConnection(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)), session_(*connection_) {}

  Transaction& session() override { return session_; }
  void begin() override { exec_or_translate(*connection_, "BEGIN IMMEDIATE"); }
  void savepoint() override { exec_or_translate(*connection_, "SAVEPOINT job"); }
  void release_savepoint() override { exec_or_translate(*connection_, "RELEASE job"); }
  void rollback_to_savepoint() override {
    exec_or_translate(*connection_, "ROLLBACK TO job");
    exec_or_translate(*connection_, "RELEASE job");
  }
  void commit() override { exec_or_translate(*connection_, "COMMIT"); }
  void rollback() noexcept override {
    try {
      if (!sqlite3_get_autocommit(connection_->db().getHandle())) connection_->db().exec("ROLLBACK");
    } catch (...) {
    }
  }
  // SQLite rolls the whole transaction back itself after some errors (I/O error, disk full).
  bool transaction_lost() override { return sqlite3_get_autocommit(connection_->db().getHandle()) != 0; }

 private:
  std::unique_ptr<Connection> connection_;
  SqliteTransaction session_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const DatabaseUrl& url, const SqliteOptions& options)
      : options_(options), memory_(url.kind == DatabaseUrl::Kind::SqliteMemory), path_(memory_ ? ":memory:" : url.sqlite_path) {
    std::unique_ptr<Connection> writer;
    try {
      writer = std::make_unique<Connection>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, options_.busy_timeout_ms);
      if (!memory_) {
        exec_or_translate(*writer, "PRAGMA journal_mode = WAL");
        exec_or_translate(*writer, "PRAGMA synchronous = FULL");
      }
      exec_or_translate(*writer, "PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
      throw Unavailable("cannot open the SQLite database '" + path_ + "': " + e.getErrorStr() +
                        " (does its directory exist, and may this user write to it?)");
    }
    if (!memory_) remember_file_identity();
    std::vector<std::unique_ptr<BatchConnection>> writers;
    writers.push_back(std::make_unique<SqliteBatchConnection>(std::move(writer)));
    writer_ = std::make_unique<GroupCommitWriter>(std::move(writers),
                                                  GroupCommitOptions{options_.max_batch, options_.max_queued_writes});
  }

  ~SqliteDatabase() override { close(); }

  Engine engine() const override { return Engine::Sqlite; }

  std::string describe() const override { return memory_ ? "sqlite :memory:" : "sqlite file " + path_; }

  void read(const std::function<void(Transaction&)>& fn) override {
    if (memory_) {
      // An in-memory database is private to its one connection: reads share the writer's.
      write(fn);
      return;
    }
    std::unique_ptr<Connection> reader = acquire_reader();
    SqliteTransaction session(*reader);
    exec_or_translate(*reader, "BEGIN");
    try {
      fn(session);
      exec_or_translate(*reader, "COMMIT");
    } catch (...) {
      try {
        reader->db().exec("ROLLBACK");
      } catch (...) {
        reader.reset();  // a connection in an unknown state is not returned to the pool
      }
      if (reader) release_reader(std::move(reader));
      throw;
    }
    release_reader(std::move(reader));
  }

  void write(const std::function<void(Transaction&)>& fn) override { writer_->write(fn); }

  // A statement on a real connection each time, without a transaction around it: health is on
  // the path of every load balancer's probe.
  void ping() override {
    if (memory_) {
      write([](Transaction& session) { session.query(kSelectOne); });
      return;
    }
    check_file_identity();
    std::unique_ptr<Connection> reader = acquire_reader();
    SqliteTransaction session(*reader);
    static_cast<Transaction&>(session).query(kSelectOne);
    release_reader(std::move(reader));
  }

  void drop_all_tables() override {
    write([](Transaction& session) {
      for (const Row& row : session.query(kListTablesNewestFirst)) {
        session.execute_script("DROP TABLE IF EXISTS \"" + row.text(0) + "\"");
      }
    });
  }

  void close() override {
    writer_->close();
    std::lock_guard lock(readers_mutex_);
    idle_readers_.clear();
  }

 private:
  std::unique_ptr<Connection> acquire_reader() {
    {
      std::lock_guard lock(readers_mutex_);
      if (!idle_readers_.empty()) {
        auto reader = std::move(idle_readers_.back());
        idle_readers_.pop_back();
        return reader;
      }
    }
    try {
      auto reader = std::make_unique<Connection>(path_, SQLite::OPEN_READWRITE, options_.busy_timeout_ms);
      reader->db().exec("PRAGMA foreign_keys = ON");
      reader->db().exec("PRAGMA query_only = ON");
      return reader;
    } catch (...) {
      rethrow_translated(std::current_exception(), "open reader");
    }
  }

  void release_reader(std::unique_ptr<Connection> reader) {
    std::lock_guard lock(readers_mutex_);
    if (idle_readers_.size() < options_.max_idle_readers) idle_readers_.push_back(std::move(reader));
  }

  void remember_file_identity() {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0) {
      device_ = st.st_dev;
      inode_ = st.st_ino;
    }
  }

  // An open SQLite connection goes on working on a file that was deleted or replaced, and every
  // write after that is lost at the next start: report it as unhealthy instead.
  void check_file_identity() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      throw Unavailable("the database file '" + path_ + "' was removed while the server runs; restart mcp-admin",
                        UnavailableReason::FileRemoved);
    }
    if (st.st_dev != device_ || st.st_ino != inode_) {
      throw Unavailable("the database file '" + path_ + "' was replaced while the server runs; restart mcp-admin",
                        UnavailableReason::FileReplaced);
    }
  }

  SqliteOptions options_;
  bool memory_;
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::unique_ptr<GroupCommitWriter> writer_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const DatabaseUrl& url, const SqliteOptions& options) {
  return std::make_unique<SqliteDatabase>(url, options);
}

}  // namespace mcp::storage
