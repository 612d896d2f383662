#include "storage/sqlite/sqlite_database.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "storage/errors.h"
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
      case SQLITE_IOERR:
      case SQLITE_FULL:
      case SQLITE_CANTOPEN:
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
      case SQLITE_READONLY:
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB:
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

class SqliteSession final : public Session {
 public:
  explicit SqliteSession(Connection& connection) : connection_(connection) {}

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

void exec_or_translate(Connection& connection, const char* sql) {
  try {
    connection.db().exec(sql);
  } catch (...) {
    rethrow_translated(std::current_exception(), sql);
  }
}

constexpr Query kSelectOne{"ping", "SELECT 1"};
constexpr Query kListTablesNewestFirst{
    "list_tables", "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid DESC"};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const DatabaseUrl& url, const SqliteOptions& options)
      : options_(options), memory_(url.kind == DatabaseUrl::Kind::SqliteMemory), path_(memory_ ? ":memory:" : url.sqlite_path) {
    try {
      writer_ = std::make_unique<Connection>(path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, options_.busy_timeout_ms);
      if (!memory_) {
        exec_or_translate(*writer_, "PRAGMA journal_mode = WAL");
        exec_or_translate(*writer_, "PRAGMA synchronous = FULL");
      }
      exec_or_translate(*writer_, "PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
      throw Unavailable("cannot open the SQLite database '" + path_ + "': " + e.getErrorStr() +
                        " (does its directory exist, and may this user write to it?)");
    }
    if (!memory_) remember_file_identity();
    writer_thread_ = std::thread([this] { writer_loop(); });
  }

  ~SqliteDatabase() override { close(); }

  Engine engine() const override { return Engine::Sqlite; }

  std::string describe() const override { return memory_ ? "sqlite :memory:" : "sqlite file " + path_; }

  void read(const std::function<void(Session&)>& fn) override {
    if (memory_) {
      // An in-memory database is private to its one connection: reads share the writer's.
      write(fn);
      return;
    }
    std::unique_ptr<Connection> reader = acquire_reader();
    SqliteSession session(*reader);
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

  void write(const std::function<void(Session&)>& fn) override {
    WriteJob job{&fn, {}, {}};
    std::future<void> done = job.done.get_future();
    {
      std::unique_lock lock(queue_mutex_);
      space_cv_.wait(lock, [&] { return queue_.size() < options_.max_queued_writes || stopping_; });
      if (stopping_) throw Unavailable("the database is closing; the write was not made");
      queue_.push_back(&job);
    }
    queue_cv_.notify_one();
    done.get();  // rethrows the job's error
  }

  void ping() override {
    if (!memory_) check_file_identity();
    read([](Session& session) { session.query(kSelectOne); });
  }

  void drop_all_tables() override {
    write([](Session& session) {
      for (const Row& row : session.query(kListTablesNewestFirst)) {
        session.execute_script("DROP TABLE IF EXISTS \"" + row.text(0) + "\"");
      }
    });
  }

  void close() override {
    {
      std::lock_guard lock(queue_mutex_);
      if (stopping_) return;
      stopping_ = true;
    }
    queue_cv_.notify_all();
    space_cv_.notify_all();
    if (writer_thread_.joinable()) writer_thread_.join();
    std::lock_guard lock(readers_mutex_);
    idle_readers_.clear();
    writer_.reset();
  }

 private:
  struct WriteJob {
    const std::function<void(Session&)>* fn;
    std::promise<void> done;
    std::exception_ptr error;
  };

  void writer_loop() {
    for (;;) {
      std::vector<WriteJob*> batch;
      {
        std::unique_lock lock(queue_mutex_);
        queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;  // stopping, and every queued write is done
        while (!queue_.empty() && batch.size() < options_.max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      space_cv_.notify_all();
      run_batch(batch);
    }
  }

  static void finish(WriteJob* job, std::exception_ptr error) {
    if (error) job->done.set_exception(error);
    else job->done.set_value();
  }

  // Runs each job in its own savepoint inside one IMMEDIATE transaction, then commits once.
  void run_batch(const std::vector<WriteJob*>& batch) {
    SqliteSession session(*writer_);
    std::vector<WriteJob*> applied;
    auto begin = [&]() -> std::exception_ptr {
      try {
        exec_or_translate(*writer_, "BEGIN IMMEDIATE");
        return nullptr;
      } catch (...) {
        return std::current_exception();
      }
    };
    if (auto error = begin()) {
      for (WriteJob* job : batch) finish(job, error);
      return;
    }
    for (size_t idx = 0; idx < batch.size(); ++idx) {
      WriteJob* job = batch[idx];
      try {
        exec_or_translate(*writer_, "SAVEPOINT job");
        (*job->fn)(session);
        exec_or_translate(*writer_, "RELEASE job");
        applied.push_back(job);
      } catch (...) {
        std::exception_ptr error = std::current_exception();
        if (sqlite3_get_autocommit(writer_->db().getHandle())) {
          // SQLite rolled the whole transaction back (I/O error, disk full): the jobs applied
          // before this one are lost too. Fail them, and go on with the rest in a new transaction.
          auto lost = std::make_exception_ptr(Unavailable("the write was rolled back by a storage failure"));
          for (WriteJob* earlier : applied) finish(earlier, lost);
          applied.clear();
          finish(job, error);
          if (auto begin_error = begin()) {
            for (size_t rest = idx + 1; rest < batch.size(); ++rest) finish(batch[rest], begin_error);
            return;
          }
          continue;
        }
        try {
          writer_->db().exec("ROLLBACK TO job");
          writer_->db().exec("RELEASE job");
        } catch (...) {
        }
        finish(job, error);
      }
    }
    try {
      exec_or_translate(*writer_, "COMMIT");
    } catch (...) {
      std::exception_ptr error = std::current_exception();
      try {
        if (!sqlite3_get_autocommit(writer_->db().getHandle())) writer_->db().exec("ROLLBACK");
      } catch (...) {
      }
      for (WriteJob* job : applied) finish(job, error);
      return;
    }
    for (WriteJob* job : applied) finish(job, nullptr);
  }

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
      throw Unavailable("the database file '" + path_ + "' was removed while the server runs; restart mcp-admin");
    }
    if (st.st_dev != device_ || st.st_ino != inode_) {
      throw Unavailable("the database file '" + path_ + "' was replaced while the server runs; restart mcp-admin");
    }
  }

  SqliteOptions options_;
  bool memory_;
  std::string path_;
  dev_t device_ = 0;
  ino_t inode_ = 0;

  std::unique_ptr<Connection> writer_;
  std::thread writer_thread_;
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::condition_variable space_cv_;
  std::deque<WriteJob*> queue_;
  bool stopping_ = false;

  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const DatabaseUrl& url, const SqliteOptions& options) {
  return std::make_unique<SqliteDatabase>(url, options);
}

}  // namespace mcp::storage
