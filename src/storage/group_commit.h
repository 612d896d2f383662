#pragma once
// Group commit, for every engine: callers queue writes; a writer thread runs up to max_batch of
// them in one transaction, each inside its own savepoint (a failing write rolls back alone), and
// commits once. A caller returns only after the commit that holds its write is durable, so one
// fsync (or one round trip) serves many writes. SQLite has one writer connection (it allows one
// writer at a time anyway); PostgreSQL several, each with its own thread and batches, because
// there a batch's time goes to round trips rather than to the disk.
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/database.h"

namespace mcp::storage {

// The engine's side: one connection and its transaction verbs. Used by the writer thread only.
class BatchConnection {
 public:
  virtual ~BatchConnection() = default;
  virtual Transaction& session() = 0;
  virtual void begin() = 0;                  // open a write transaction
  virtual void savepoint() = 0;              // before each write
  virtual void release_savepoint() = 0;      // after a write that succeeded
  virtual void rollback_to_savepoint() = 0;  // after a write that failed: undo it alone
  virtual void commit() = 0;                 // durable when it returns; throws when nothing was committed
  virtual void rollback() noexcept = 0;
  // True when the engine abandoned the whole transaction (SQLite after an I/O error, PostgreSQL
  // after losing the connection): the writes applied before are lost too.
  virtual bool transaction_lost() = 0;
  // Called before each batch: a chance to reconnect a broken connection. Throws Unavailable.
  virtual void prepare() {}
};

struct GroupCommitOptions {
  size_t max_batch = 512;
  size_t max_queued = 8192;  // callers block beyond this (back-pressure)
};

class GroupCommitWriter {
 public:
  GroupCommitWriter(std::vector<std::unique_ptr<BatchConnection>> connections, GroupCommitOptions options);
  ~GroupCommitWriter();

  // Runs fn in its own savepoint in a shared transaction; returns after the commit, or rethrows
  // fn's exception (only fn's changes rolled back) or the commit's. When a failed write cannot be
  // rolled back to its savepoint, the whole batch is rolled back: that write gets its own exception,
  // every other write of the batch Unavailable (nothing of the batch was committed).
  void write(const std::function<void(Transaction&)>& fn);

  // Finishes queued writes, stops the thread, and closes the connection. Later writes throw Unavailable.
  void close();

 private:
  struct Job {
    const std::function<void(Transaction&)>* fn;
    std::promise<void> done;  // set once the write's outcome is known
    // Why it failed: moved in by the writer before `done` is set, rethrown by the caller. The
    // writer keeps no reference, so the exception object lives and dies on the caller's thread.
    std::exception_ptr error;
  };

  void run(BatchConnection& connection);
  void run_batch(BatchConnection& connection, const std::vector<Job*>& batch);

  std::vector<std::unique_ptr<BatchConnection>> connections_;
  GroupCommitOptions options_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mcp::storage
