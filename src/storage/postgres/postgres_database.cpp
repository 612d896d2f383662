#include "storage/postgres/postgres_database.h"

#include "storage/postgres/libpq_api.h"

#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "storage/advisory_lock_keys.h"
#include "storage/errors.h"
#include "storage/group_commit.h"
#include "util/log.h"

namespace mcp::storage {

namespace {

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string first_line(const char* message) {
  std::string text = message ? message : "";
  size_t newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

// Throws the storage error for a failed result (SQLSTATE → kind); the result is freed by the caller.
[[noreturn]] void throw_for(PGconn* conn, const PGresult* result, const char* what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = std::string(what) + ": " +
                        first_line(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  std::string code = state ? state : "";
  if (code == "23505") throw UniqueViolation(message);
  if (code == "23503") throw ForeignKeyViolation(message);
  if (code == "23514" || code == "23502") throw CheckViolation(message);
  if (code == "40P01" || code == "40001") throw Conflict(message);
  if (code == "53300") throw Unavailable(message, UnavailableReason::Busy);
  if (code == "53100") throw Unavailable(message, UnavailableReason::DiskFull);
  if (PQstatus(conn) != CONNECTION_OK || code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0 || code.empty()) {
    throw Unavailable(message, UnavailableReason::Unreachable);
  }
  throw StorageError(message);
}

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// One libpq connection with its prepared statements, used by one thread at a time.
class PgConnection {
 public:
  PgConnection(const DatabaseUrl& url, const PostgresOptions& options) {
    std::string timeout = std::to_string(options.connect_timeout_s);
    // Later keywords override earlier ones, and the URI (expanded from dbname) comes last: a
    // connect_timeout or sslmode in the URL wins over our defaults.
    const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {timeout.c_str(), "mcp-admin", url.postgres_conninfo.c_str(), nullptr};
    conn_ = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string reason = first_line(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw Unavailable("cannot connect to PostgreSQL at " + url.redacted + ": " + reason, UnavailableReason::Unreachable);
    }
    // Server notices ("schema already exists, skipping") are not ours to print on stderr.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    exec("SET search_path TO " + quote_identifier(url.postgres_schema), "set search_path");
  }
  ~PgConnection() {
    if (conn_) PQfinish(conn_);
  }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PGconn* raw() { return conn_; }
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

  void exec(const std::string& sql, const char* what) {
    Result result(PQexec(conn_, sql.c_str()));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_for(conn_, result.get(), what);
  }

  // COMMIT, and proof that it committed: PostgreSQL answers the COMMIT of an aborted transaction
  // with PGRES_COMMAND_OK and the command tag "ROLLBACK" — success by status, yet nothing was kept.
  void commit() {
    Result result(PQexec(conn_, "COMMIT"));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) throw_for(conn_, result.get(), "commit");
    const char* tag = PQcmdStatus(result.get());
    if (tag == nullptr || std::string_view(tag) != "COMMIT") {
      throw Unavailable(std::string("commit: PostgreSQL rolled the transaction back instead (command tag ") +
                        (tag ? tag : "none") + "): it had been aborted by an error; nothing of it was kept");
    }
  }

  Result run(const Query& query, Params params) {
    auto found = prepared_.find(query.sql);
    if (found == prepared_.end()) {
      std::string name = std::to_string(prepared_.size());
      name.insert(0, 1, 's');  // not "s" + …: GCC 12 false -Wrestrict (PR105329)
      Result prepared(PQprepare(conn_, name.c_str(), query.sql, 0, nullptr));
      if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) throw_for(conn_, prepared.get(), query.name);
      found = prepared_.emplace(query.sql, std::move(name)).first;
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t idx = 0; idx < params.size(); ++idx) {
      std::visit(
          [&](const auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              return;
            } else if constexpr (std::is_same_v<T, bool>) {
              texts[idx] = value ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::string>) {
              values[idx] = value.c_str();
              return;
            } else if constexpr (std::is_same_v<T, double>) {
              char buffer[32];
              auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
              texts[idx].assign(buffer, ec == std::errc() ? end : buffer);
            } else {
              texts[idx] = std::to_string(value);
            }
            values[idx] = texts[idx].c_str();
          },
          params[idx]);
    }
    Result result(PQexecPrepared(conn_, found->second.c_str(), static_cast<int>(params.size()), values.data(), nullptr,
                                 nullptr, 0));
    ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      // A statement prepared on a connection that was since replaced is gone with it.
      if (!healthy()) prepared_.clear();
      throw_for(conn_, result.get(), query.name);
    }
    return result;
  }

 private:
  PGconn* conn_ = nullptr;
  std::unordered_map<const char*, std::string> prepared_;
};

class PgTransaction final : public Transaction {
 public:
  explicit PgTransaction(PgConnection& connection) : connection_(connection) {}
  Engine engine() const override { return Engine::Postgres; }

  Rows query(const Query& query, Params params) override {
    Result result = connection_.run(query, params);
    int row_count = PQntuples(result.get());
    int columns = PQnfields(result.get());
    Rows rows;
    rows.reserve(static_cast<size_t>(row_count));
    for (int r = 0; r < row_count; ++r) {
      std::vector<Value> cells;
      cells.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result.get(), r, c)) cells.emplace_back(std::monostate{});
        else cells.emplace_back(std::string(PQgetvalue(result.get(), r, c), static_cast<size_t>(PQgetlength(result.get(), r, c))));
      }
      rows.emplace_back(std::move(cells));
    }
    return rows;
  }

  int64_t execute(const Query& query, Params params) override {
    Result result = connection_.run(query, params);
    const char* affected = PQcmdTuples(result.get());
    return affected && *affected ? std::stoll(affected) : 0;
  }

  void execute_script(std::string_view sql) override { connection_.exec(std::string(sql), "script"); }

  // Serialises migrators across instances sharing the database (released at commit).
  void lock_for_migration() override {
    connection_.exec(advisory_lock::lock_statement(advisory_lock::kMigration), "migration lock");
  }

  // Serialises the end of write transactions that wrote audit rows, across writers and instances
  // (released at commit, after the commit is visible).
  void lock_commit_order() override {
    connection_.exec(advisory_lock::lock_statement(advisory_lock::kCommitOrder), "commit order lock");
  }

  void within_savepoint(const std::function<void()>& fn) override {
    connection_.exec("SAVEPOINT part", "savepoint");
    try {
      fn();
    } catch (...) {
      connection_.exec("ROLLBACK TO SAVEPOINT part", "rollback to savepoint");
      connection_.exec("RELEASE SAVEPOINT part", "release savepoint");
      throw;
    }
    connection_.exec("RELEASE SAVEPOINT part", "release savepoint");
  }

 private:
  PgConnection& connection_;
};

class PgBatchConnection final : public BatchConnection {
 public:
  PgBatchConnection(DatabaseUrl url, PostgresOptions options)
      : url_(std::move(url)), options_(options), connection_(std::make_unique<PgConnection>(url_, options_)),
        session_(std::make_unique<PgTransaction>(*connection_)) {}

  Transaction& session() override { return *session_; }
  void prepare() override {
    if (connection_->healthy()) return;
    util::log_warn("PostgreSQL writer connection lost; reconnecting");
    connection_.reset();
    session_.reset();
    connection_ = std::make_unique<PgConnection>(url_, options_);
    session_ = std::make_unique<PgTransaction>(*connection_);
  }
  // A connection idle across a server restart looks fine until used: if BEGIN finds it broken,
  // nothing was done yet, so reconnect and begin once more.
  void begin() override {
    try {
      connection_->exec("BEGIN", "begin");
    } catch (const Unavailable&) {
      if (connection_->healthy()) throw;
      prepare();
      connection_->exec("BEGIN", "begin");
    }
  }
  void savepoint() override { connection_->exec("SAVEPOINT job", "savepoint"); }
  void release_savepoint() override { connection_->exec("RELEASE SAVEPOINT job", "release savepoint"); }
  void rollback_to_savepoint() override {
    connection_->exec("ROLLBACK TO SAVEPOINT job", "rollback to savepoint");
    connection_->exec("RELEASE SAVEPOINT job", "release savepoint");
  }
  void commit() override { connection_->commit(); }
  void rollback() noexcept override {
    if (connection_ && connection_->healthy()) PQclear(PQexec(connection_->raw(), "ROLLBACK"));
  }
  bool transaction_lost() override {
    return !connection_->healthy() || PQtransactionStatus(connection_->raw()) == PQTRANS_IDLE;
  }

 private:
  DatabaseUrl url_;
  PostgresOptions options_;
  std::unique_ptr<PgConnection> connection_;
  std::unique_ptr<PgTransaction> session_;
};

constexpr Query kSelectOne{"ping", "SELECT 1"};
constexpr Query kListTables{"list_tables",
                            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                            "AND table_type = 'BASE TABLE'"};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(const DatabaseUrl& url, const PostgresOptions& options) : url_(url), options_(options) {
    {
      // Prisma creates the schema of ?schema=NAME when it is missing; so do we.
      DatabaseUrl public_url = url_;
      public_url.postgres_schema = "public";
      PgConnection bootstrap(public_url, options_);
      // IF NOT EXISTS is not safe against a concurrent creator (instances starting together):
      // serialise the creators with the migrations' advisory lock.
      bootstrap.exec("BEGIN", "begin");
      bootstrap.exec(advisory_lock::lock_statement(advisory_lock::kMigration), "schema lock");
      bootstrap.exec("CREATE SCHEMA IF NOT EXISTS " + quote_identifier(url_.postgres_schema), "create schema");
      bootstrap.commit();
    }
    std::vector<std::unique_ptr<BatchConnection>> writers;
    for (size_t idx = 0; idx < options_.writers; ++idx) writers.push_back(std::make_unique<PgBatchConnection>(url_, options_));
    writer_ = std::make_unique<GroupCommitWriter>(std::move(writers),
                                                  GroupCommitOptions{options_.max_batch, options_.max_queued_writes});
  }

  ~PostgresDatabase() override { close(); }

  Engine engine() const override { return Engine::Postgres; }
  std::string describe() const override { return "postgresql " + url_.redacted; }

  void read(const std::function<void(Transaction&)>& fn) override {
    std::unique_ptr<PgConnection> connection = acquire();
    try {
      connection->exec("BEGIN READ ONLY", "begin read only");
    } catch (const Unavailable&) {
      // Broken while idle in the pool (a server restart): nothing done yet, try a fresh one.
      release(std::move(connection));
      connection = acquire();
      try {
        connection->exec("BEGIN READ ONLY", "begin read only");
      } catch (...) {
        release(std::move(connection));
        throw;
      }
    }
    PgTransaction session(*connection);
    try {
      fn(session);
      connection->commit();
    } catch (...) {
      if (connection->healthy()) PQclear(PQexec(connection->raw(), "ROLLBACK"));
      release(std::move(connection));
      throw;
    }
    release(std::move(connection));
  }

  void write(const std::function<void(Transaction&)>& fn) override { writer_->write(fn); }

  void ping() override {
    // A real round trip each time; a pooled connection broken by a restart is replaced once.
    for (int attempt = 1;; ++attempt) {
      std::unique_ptr<PgConnection> connection = acquire();
      PgTransaction session(*connection);
      try {
        static_cast<Transaction&>(session).query(kSelectOne);
        release(std::move(connection));
        return;
      } catch (const Unavailable&) {
        bool broken = !connection->healthy();
        release(std::move(connection));
        if (!broken || attempt == 2) throw;
      }
    }
  }

  void drop_all_tables() override {
    write([](Transaction& session) {
      for (const Row& row : session.query(kListTables)) {
        session.execute_script("DROP TABLE IF EXISTS " + quote_identifier(row.text(0)) + " CASCADE");
      }
    });
  }

  void close() override {
    if (writer_) writer_->close();
    std::lock_guard lock(mutex_);
    idle_.clear();
  }

 private:
  // A pooled connection; broken ones are dropped, so a restarted server is reached again.
  std::unique_ptr<PgConnection> acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || open_ < options_.pool_size; });
    while (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      if (connection->healthy()) return connection;
      --open_;
    }
    ++open_;
    lock.unlock();
    try {
      return std::make_unique<PgConnection>(url_, options_);
    } catch (...) {
      std::lock_guard relock(mutex_);
      --open_;
      available_.notify_one();
      throw;
    }
  }

  void release(std::unique_ptr<PgConnection> connection) {
    std::lock_guard lock(mutex_);
    if (connection && connection->healthy()) idle_.push_back(std::move(connection));
    else --open_;
    available_.notify_one();
  }

  DatabaseUrl url_;
  PostgresOptions options_;
  std::unique_ptr<GroupCommitWriter> writer_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  size_t open_ = 0;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const DatabaseUrl& url, const PostgresOptions& options) {
  return std::make_unique<PostgresDatabase>(url, options);
}

}  // namespace mcp::storage
