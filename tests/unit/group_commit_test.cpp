// Group commit (src/storage/group_commit.*): a write that fails and cannot be rolled back to its
// savepoint aborts its whole batch (nothing of the batch is acknowledged), and on PostgreSQL a
// COMMIT that the server answers with the command tag ROLLBACK (an aborted transaction) is a
// failure, not a success. The batch logic is driven through a scripted BatchConnection (the seam
// the engines implement); the PostgreSQL cases run against a real server when
// MCP_ADMIN_TEST_PG_URL names one (packaging/test.sh starts one), and are skipped otherwise.
#include "storage/group_commit.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/database_url.h"
#include "storage/errors.h"
#include "storage/open_database.h"
#include "util/ids.h"

using mcp::storage::BatchConnection;
using mcp::storage::GroupCommitOptions;
using mcp::storage::GroupCommitWriter;
using mcp::storage::Params;
using mcp::storage::Query;
using mcp::storage::Rows;
using mcp::storage::Transaction;
using mcp::storage::Unavailable;

namespace {

class NullSession final : public Transaction {
 public:
  mcp::storage::Engine engine() const override { return mcp::storage::Engine::Sqlite; }
  Rows query(const Query&, Params) override { return {}; }
  int64_t execute(const Query&, Params) override { return 0; }
  void execute_script(std::string_view) override {}
  void within_savepoint(const std::function<void()>& fn) override { fn(); }
};

// A connection that records the verbs it is given; its first prepare() waits until released, so
// that the writes queued meanwhile form the next batch together.
class ScriptedConnection final : public BatchConnection {
 public:
  bool fail_rollback_to_savepoint = false;
  std::atomic<int> commits{0};
  std::atomic<int> rollbacks{0};

  Transaction& session() override { return session_; }
  void prepare() override {
    std::unique_lock lock(mutex_);
    if (first_batch_) {
      first_batch_ = false;
      started_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    }
  }
  void begin() override {}
  void savepoint() override {}
  void release_savepoint() override {}
  void rollback_to_savepoint() override {
    if (fail_rollback_to_savepoint) throw Unavailable("rollback to savepoint failed");
  }
  void commit() override { ++commits; }
  void rollback() noexcept override { ++rollbacks; }
  bool transaction_lost() override { return false; }

  void wait_until_first_batch_started() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_; });
  }
  void release_first_batch() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  NullSession session_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool first_batch_ = true;
  bool started_ = false;
  bool released_ = false;
};

enum class Outcome { Ok, OwnError, Unavailable, Other };

Outcome outcome_of(std::future<void>& done) {
  try {
    done.get();
    return Outcome::Ok;
  } catch (const Unavailable&) {
    return Outcome::Unavailable;
  } catch (const std::logic_error&) {
    return Outcome::OwnError;
  } catch (...) {
    return Outcome::Other;
  }
}

// Runs [ok, failing, ok] as ONE batch (behind a first batch that holds the writer) and returns the
// outcomes of the three.
std::vector<Outcome> run_three_in_one_batch(ScriptedConnection*& raw, bool fail_rollback_to_savepoint) {
  auto connection = std::make_unique<ScriptedConnection>();
  connection->fail_rollback_to_savepoint = fail_rollback_to_savepoint;
  raw = connection.get();
  std::vector<std::unique_ptr<BatchConnection>> connections;
  connections.push_back(std::move(connection));
  GroupCommitWriter writer(std::move(connections), GroupCommitOptions{});

  auto first = std::async(std::launch::async, [&] { writer.write([](Transaction&) {}); });
  raw->wait_until_first_batch_started();
  std::atomic<int> queued{0};
  auto submit = [&](bool fail) {
    return std::async(std::launch::async, [&writer, &queued, fail] {
      ++queued;
      writer.write([fail](Transaction&) {
        if (fail) throw std::logic_error("this write fails");
      });
    });
  };
  auto ok_before = submit(false);
  while (queued.load() < 1) std::this_thread::yield();
  // Each submit must be queued in this order before the writer is released: write() queues first
  // thing, so wait for each thread to have entered it (and a moment for the push).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto failing = submit(true);
  while (queued.load() < 2) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto ok_after = submit(false);
  while (queued.load() < 3) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  raw->release_first_batch();
  first.get();
  std::vector<Outcome> outcomes{outcome_of(ok_before), outcome_of(failing), outcome_of(ok_after)};
  writer.close();
  return outcomes;
}

}  // namespace

TEST_CASE("group commit: a failed write rolled back to its savepoint fails alone; the batch commits") {
  ScriptedConnection* raw = nullptr;
  auto outcomes = run_three_in_one_batch(raw, false);
  CHECK(outcomes[0] == Outcome::Ok);
  CHECK(outcomes[1] == Outcome::OwnError);
  CHECK(outcomes[2] == Outcome::Ok);
}

TEST_CASE("group commit: a failed ROLLBACK TO SAVEPOINT aborts the whole batch, nothing acknowledged") {
  ScriptedConnection* raw = nullptr;
  auto outcomes = run_three_in_one_batch(raw, true);
  CHECK(outcomes[0] == Outcome::Unavailable);  // applied before, rolled back with the batch
  CHECK(outcomes[1] == Outcome::OwnError);     // its own failure
  CHECK(outcomes[2] == Outcome::Unavailable);  // never run
}

// ---- against a real PostgreSQL -----------------------------------------------------------------

namespace {

std::unique_ptr<mcp::storage::Database> open_test_postgres(const std::string& schema) {
  const char* url = std::getenv("MCP_ADMIN_TEST_PG_URL");
  if (url == nullptr || *url == '\0') return nullptr;
  std::string full = std::string(url) + (std::string(url).find('?') == std::string::npos ? "?" : "&") + "schema=" + schema;
  return mcp::storage::open_database(mcp::storage::parse_database_url(full), 4);
}

constexpr Query kCreateItems{"create_items", "CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY)"};
constexpr Query kInsertItem{"insert_item", "INSERT INTO items (id) VALUES ($1)"};
constexpr Query kCountItems{"count_items", "SELECT count(*) FROM items WHERE id = $1"};
constexpr Query kFails{"fails", "SELECT 1 / 0"};
constexpr Query kTransactionId{"transaction_id", "SELECT txid_current()"};
constexpr Query kSelectOne{"select_one", "SELECT 1"};

}  // namespace

TEST_CASE("postgres: a COMMIT answered with the tag ROLLBACK (an aborted transaction) throws") {
  auto db = open_test_postgres("gc_commit_tag_" + mcp::util::new_uuid_v7().substr(0, 8));
  if (!db) {
    MESSAGE("skipped: MCP_ADMIN_TEST_PG_URL is not set");
    return;
  }
  // The error is swallowed inside the transaction, which PostgreSQL has aborted: its COMMIT
  // answers PGRES_COMMAND_OK with the tag ROLLBACK.
  CHECK_THROWS_AS(db->read([](Transaction& session) {
    try {
      session.query(kFails);
    } catch (const std::exception&) {
    }
  }), Unavailable);
  db->read([](Transaction& session) { session.query(kSelectOne); });  // the pool's connections are fine afterwards
}

TEST_CASE("postgres: a write that breaks its savepoint aborts its batch; the write beside it is not acknowledged") {
  auto db = open_test_postgres("gc_batch_" + mcp::util::new_uuid_v7().substr(0, 8));
  if (!db) {
    MESSAGE("skipped: MCP_ADMIN_TEST_PG_URL is not set");
    return;
  }
  db->write([](Transaction& session) { session.execute(kCreateItems); });
  // A first write holds the writers while the two others queue behind it into one batch. With
  // several writer connections the two may still land in different batches: then the case is
  // tried again (the transaction ids say whether they shared one).
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::promise<void> hold;
    std::shared_future<void> held = hold.get_future().share();
    std::atomic<int> holders_started{0};
    std::vector<std::future<void>> holders;
    // One holder per writer connection (open_database: pool 4 → 2 writers).
    for (int idx = 0; idx < 2; ++idx) {
      holders.push_back(std::async(std::launch::async, [&] {
        db->write([&](Transaction&) {
          ++holders_started;
          held.wait();
        });
      }));
    }
    // Both holders usually hold a writer each; when the group commit puts them in one batch, the
    // second waits behind the first for ever, so wait for it only a while (it spun for good under
    // ASan). Innocent and breaker then queue behind whatever holds; the transaction ids decide.
    auto started_by = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (holders_started.load() < 1 ||
           (holders_started.load() < 2 && std::chrono::steady_clock::now() < started_by)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::string innocent_id = "innocent-" + mcp::util::new_uuid_v7();
    std::atomic<int64_t> innocent_tx{0};
    std::atomic<int64_t> breaker_tx{0};
    auto innocent = std::async(std::launch::async, [&] {
      db->write([&](Transaction& session) {
        innocent_tx = session.query(kTransactionId).at(0).int64(0);
        mcp::storage::Value params[] = {innocent_id};
        session.execute(kInsertItem, params);
      });
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto breaker = std::async(std::launch::async, [&] {
      db->write([&](Transaction& session) {
        breaker_tx = session.query(kTransactionId).at(0).int64(0);
        // Releases the writer's savepoint, then fails: the transaction is aborted and the
        // savepoint to roll back to is gone.
        session.execute_script("RELEASE SAVEPOINT job");
        session.query(kFails);
      });
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    hold.set_value();
    for (auto& holder : holders) holder.get();
    CHECK_THROWS(breaker.get());
    bool innocent_acknowledged = true;
    try {
      innocent.get();
    } catch (const Unavailable&) {
      innocent_acknowledged = false;
    }
    if (innocent_tx.load() != breaker_tx.load()) continue;  // not one batch this time
    int64_t stored = 0;
    db->read([&](Transaction& session) {
      mcp::storage::Value params[] = {innocent_id};
      stored = session.query(kCountItems, params).at(0).int64(0);
    });
    // Whatever happened, an acknowledged write must be stored, and here nothing was.
    CHECK(stored == 0);
    CHECK_FALSE(innocent_acknowledged);
    return;
  }
  FAIL("the two writes never shared a batch in 20 attempts");
}
