#include "storage/group_commit.h"

#include <typeinfo>
#include <utility>

#include "storage/audit_store.h"
#include "storage/errors.h"

namespace mcp::storage {

namespace {
// Hands the outcome to the waiting caller. The exception pointer is moved into the job before the
// caller is woken, so the writer holds no reference once it may run: the caller's thread ends the
// exception object's life, never this one while the caller still reads it. (promise::set_exception
// keeps a copy until it returns, after waking the caller: a race only in the eyes of
// ThreadSanitizer, which cannot see libstdc++'s reference counts, but one we need not have.)
template <typename Job>
void finish(Job* job, std::exception_ptr&& error) {
  job->error = std::move(error);
  job->done.set_value();
}

// One exception object per waiting caller for an error that fails several writes: each caller's
// thread owns its own copy. The storage errors are copied when the type is exactly theirs; any
// other exception (a subclass too) is shared as it is, so no caller sees a sliced one.
std::exception_ptr copy_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const StorageError& e) {
    const std::type_info& type = typeid(e);
    if (type == typeid(UniqueViolation)) return std::make_exception_ptr(UniqueViolation(e.what()));
    if (type == typeid(ForeignKeyViolation)) return std::make_exception_ptr(ForeignKeyViolation(e.what()));
    if (type == typeid(CheckViolation)) return std::make_exception_ptr(CheckViolation(e.what()));
    if (type == typeid(Conflict)) return std::make_exception_ptr(Conflict(e.what()));
    if (type == typeid(Unavailable)) {
      return std::make_exception_ptr(Unavailable(e.what(), static_cast<const Unavailable&>(e).reason()));
    }
    if (type == typeid(StorageError)) return std::make_exception_ptr(StorageError(e.what()));
    return std::current_exception();
  } catch (...) {
    return std::current_exception();
  }
}

// Fails each job with its own copy of `error`.
template <typename Jobs>
void fail_each(const Jobs& jobs, const std::exception_ptr& error) {
  for (auto* job : jobs) finish(job, copy_of(error));
}
}  // namespace

GroupCommitWriter::GroupCommitWriter(std::vector<std::unique_ptr<BatchConnection>> connections,
                                     GroupCommitOptions options)
    : connections_(std::move(connections)), options_(options) {
  for (auto& connection : connections_) {
    threads_.emplace_back([this, raw = connection.get()] { run(*raw); });
  }
}

GroupCommitWriter::~GroupCommitWriter() { close(); }

void GroupCommitWriter::write(const std::function<void(Transaction&)>& fn) {
  Job job{&fn, {}, nullptr};
  std::future<void> done = job.done.get_future();
  {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return queue_.size() < options_.max_queued || stopping_; });
    if (stopping_) throw Unavailable("the database is closing; the write was not made", UnavailableReason::Closing);
    queue_.push_back(&job);
  }
  ready_.notify_one();
  done.get();
  if (job.error) std::rethrow_exception(std::exchange(job.error, nullptr));
}

void GroupCommitWriter::close() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  ready_.notify_all();
  space_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  connections_.clear();
}

void GroupCommitWriter::run(BatchConnection& connection) {
  for (;;) {
    std::vector<Job*> batch;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and every queued write is done
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    space_.notify_all();
    run_batch(connection, batch);
  }
}

void GroupCommitWriter::run_batch(BatchConnection& conn, const std::vector<Job*>& batch) {
  // Every catch below only takes the exception pointer: the handler's own reference ends with the
  // catch block, before any caller is woken with it.
  auto begin = [&]() -> std::exception_ptr {
    try {
      conn.prepare();
      conn.begin();
      conn.session().audit_ids_written.clear();
      return nullptr;
    } catch (...) {
      return std::current_exception();
    }
  };
  if (auto error = begin()) {
    fail_each(batch, error);
    return;
  }
  std::vector<Job*> applied;
  for (size_t idx = 0; idx < batch.size(); ++idx) {
    Job* job = batch[idx];
    std::exception_ptr error;
    try {
      conn.savepoint();
      (*job->fn)(conn.session());
      conn.release_savepoint();
      applied.push_back(job);
    } catch (...) {
      error = std::current_exception();
    }
    if (!error) continue;
    if (conn.transaction_lost()) {
      // The writes applied before this one are lost with the transaction: fail them too, and
      // go on with the rest in a new one.
      fail_each(applied, std::make_exception_ptr(Unavailable("the write was rolled back by a storage failure")));
      applied.clear();
      conn.rollback();
      finish(job, std::move(error));
      if (auto begin_error = begin()) {
        fail_each(std::vector<Job*>(batch.begin() + static_cast<std::ptrdiff_t>(idx) + 1, batch.end()), begin_error);
        return;
      }
      continue;
    }
    bool undone = true;
    try {
      conn.rollback_to_savepoint();
    } catch (...) {
      undone = false;
    }
    if (!undone) {
      // The failed write could not be undone alone: what the transaction holds now is unknown
      // (PostgreSQL: it may be aborted, and its COMMIT would roll everything back). Abort the
      // whole batch; no write of it is acknowledged, and each caller answers 5xx / retries.
      conn.rollback();
      finish(job, std::move(error));
      auto aborted = std::make_exception_ptr(
          Unavailable("the write was rolled back with its batch: undoing another write of the batch failed"));
      fail_each(applied, aborted);
      fail_each(std::vector<Job*>(batch.begin() + static_cast<std::ptrdiff_t>(idx) + 1, batch.end()), aborted);
      return;
    }
    finish(job, std::move(error));
  }
  std::exception_ptr commit_error;
  try {
    order_audit_ids_for_commit(conn.session());
    conn.commit();
  } catch (...) {
    commit_error = std::current_exception();
  }
  if (commit_error) {
    conn.rollback();
    fail_each(applied, commit_error);
    return;
  }
  for (Job* job : applied) finish(job, nullptr);
}

}  // namespace mcp::storage
