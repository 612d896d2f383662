#pragma once
// The storage seam: everything above it sees a Database and Sessions running named queries written
// once, in the SQL both engines share, with $1..$n parameters. Nothing above it knows the engine.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mcp::storage {

enum class Engine { Sqlite, Postgres };

const char* engine_name(Engine engine);

// A statement with a name for logs and metrics. Both fields point at static storage: the SQL
// pointer is also the key of each connection's prepared-statement cache.
struct Query {
  const char* name;
  const char* sql;
};

// NULL, integer, real, text or boolean.
using Value = std::variant<std::monostate, int64_t, double, std::string, bool>;

inline Value null_value() { return std::monostate{}; }
// Text or NULL.
inline Value opt(const std::optional<std::string>& text) { return text ? Value(*text) : Value(std::monostate{}); }
// Integer or NULL.
inline Value opt(const std::optional<int64_t>& number) { return number ? Value(*number) : Value(std::monostate{}); }

// One result row. Engines return different representations (SQLite typed cells, PostgreSQL text);
// the getters convert, so callers never see which.
class Row {
 public:
  explicit Row(std::vector<Value> cells) : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool is_null(size_t idx) const;
  std::string text(size_t idx) const;
  std::optional<std::string> opt_text(size_t idx) const;
  int64_t int64(size_t idx) const;
  std::optional<int64_t> opt_int64(size_t idx) const;
  bool boolean(size_t idx) const;

 private:
  std::vector<Value> cells_;
};

using Rows = std::vector<Row>;
using Params = std::span<const Value>;

// A connection inside one transaction. Valid only during the read/write callback that received it.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual Engine engine() const = 0;
  // Runs a statement that returns rows.
  virtual Rows query(const Query& query, Params params = {}) = 0;
  // Runs a statement; returns the number of rows it changed.
  virtual int64_t execute(const Query& query, Params params = {}) = 0;
  // Runs several statements without parameters (migrations). Not cached.
  virtual void execute_script(std::string_view sql) = 0;
  // Inside a write: waits until no other process migrates the same database (PostgreSQL: an
  // advisory lock released at commit). SQLite's write transactions exclude each other already.
  virtual void lock_for_migration() {}
  // Runs fn inside a savepoint of the current transaction: if fn throws, its own changes alone are
  // undone, the transaction goes on, and the exception reaches the caller.
  virtual void within_savepoint(const std::function<void()>& fn) = 0;
  // Inside a write, just before COMMIT: waits until no other writer, of this process or another,
  // is between this point and its own commit (PostgreSQL: an advisory lock, released at commit).
  // SQLite's write transactions exclude each other from BEGIN already.
  virtual void lock_commit_order() {}

  // The audit rows this transaction wrote, with the ids they were written with: audit_store gives
  // them commit-ordered ids just before COMMIT (order_audit_ids_for_commit). Emptied when a write
  // transaction begins.
  std::vector<std::string> audit_ids_written;
};

// A database: concurrent readers, one writer whose transactions are shared by concurrent callers
// (group commit). Thread-safe.
class Database {
 public:
  virtual ~Database() = default;
  virtual Engine engine() const = 0;
  // Where the data lives, safe for logs (no password).
  virtual std::string describe() const = 0;

  // Runs fn in a read-only transaction. fn may be called again if the connection had to be replaced.
  virtual void read(const std::function<void(Transaction&)>& fn) = 0;

  // Runs fn in its own savepoint inside a transaction that may be shared with other callers, and
  // returns once that transaction is durably committed. If fn throws, only its own changes are
  // rolled back and the exception reaches the caller. Must not be called from inside read/write.
  virtual void write(const std::function<void(Transaction&)>& fn) = 0;

  // A real round trip to the database; throws Unavailable with the reason when it fails.
  virtual void ping() = 0;

  // Drops every table (push --force-reset). Engine-specific by nature.
  virtual void drop_all_tables() = 0;

  // Finishes queued writes and closes every connection.
  virtual void close() = 0;
};

// Convenience: returns what fn returns, from a read transaction.
template <typename Fn>
auto read_value(Database& db, Fn&& fn) {
  std::optional<decltype(fn(std::declval<Transaction&>()))> result;
  db.read([&](Transaction& session) { result.emplace(fn(session)); });
  return std::move(*result);
}

// Convenience: returns what fn returns, after its write is durably committed.
template <typename Fn>
auto write_value(Database& db, Fn&& fn) {
  std::optional<decltype(fn(std::declval<Transaction&>()))> result;
  db.write([&](Transaction& session) { result.emplace(fn(session)); });
  return std::move(*result);
}

}  // namespace mcp::storage
