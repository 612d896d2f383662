#include "storage/group_commit.h"

#include "storage/audit_store.h"
#include "storage/errors.h"

namespace mcp::storage {

namespace {
void finish(std::promise<void>& done, std::exception_ptr error) {
  if (error) done.set_exception(error);
  else done.set_value();
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

void GroupCommitWriter::write(const std::function<void(Session&)>& fn) {
  Job job{&fn, {}};
  std::future<void> done = job.done.get_future();
  {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return queue_.size() < options_.max_queued || stopping_; });
    if (stopping_) throw Unavailable("the database is closing; the write was not made", UnavailableReason::Closing);
    queue_.push_back(&job);
  }
  ready_.notify_one();
  done.get();
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
    for (Job* job : batch) finish(job->done, error);
    return;
  }
  std::vector<Job*> applied;
  for (size_t idx = 0; idx < batch.size(); ++idx) {
    Job* job = batch[idx];
    try {
      conn.savepoint();
      (*job->fn)(conn.session());
      conn.release_savepoint();
      applied.push_back(job);
    } catch (...) {
      std::exception_ptr error = std::current_exception();
      if (conn.transaction_lost()) {
        // The writes applied before this one are lost with the transaction: fail them too, and
        // go on with the rest in a new one.
        auto lost = std::make_exception_ptr(Unavailable("the write was rolled back by a storage failure"));
        for (Job* earlier : applied) finish(earlier->done, lost);
        applied.clear();
        conn.rollback();
        finish(job->done, error);
        if (auto begin_error = begin()) {
          for (size_t rest = idx + 1; rest < batch.size(); ++rest) finish(batch[rest]->done, begin_error);
          return;
        }
        continue;
      }
      try {
        conn.rollback_to_savepoint();
      } catch (...) {
        // The failed write could not be undone alone: what the transaction holds now is unknown
        // (PostgreSQL: it may be aborted, and its COMMIT would roll everything back). Abort the
        // whole batch; no write of it is acknowledged, and each caller answers 5xx / retries.
        conn.rollback();
        finish(job->done, error);
        auto aborted = std::make_exception_ptr(
            Unavailable("the write was rolled back with its batch: undoing another write of the batch failed"));
        for (Job* earlier : applied) finish(earlier->done, aborted);
        for (size_t rest = idx + 1; rest < batch.size(); ++rest) finish(batch[rest]->done, aborted);
        return;
      }
      finish(job->done, error);
    }
  }
  try {
    order_audit_ids_for_commit(conn.session());
    conn.commit();
  } catch (...) {
    std::exception_ptr error = std::current_exception();
    conn.rollback();
    for (Job* job : applied) finish(job->done, error);
    return;
  }
  for (Job* job : applied) finish(job->done, nullptr);
}

}  // namespace mcp::storage
