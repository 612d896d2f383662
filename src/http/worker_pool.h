#pragma once
// The threads that run route handlers. The front hands them complete requests only, so a thread
// is busy exactly while a handler runs and its answer is written; connections that wait for bytes
// hold none. Threads start as work needs them, up to max_threads.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mcp::http {

class WorkerPool {
 public:
  explicit WorkerPool(size_t max_threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues a job. The queue is bounded by its callers: the front submits at most one request per
  // open connection, and the connections are capped.
  void submit(std::function<void()> job);

  // Runs the jobs already queued, then joins the threads.
  void shutdown();

 private:
  void start_worker();  // with mutex_ held
  void work();

  size_t max_threads_;
  size_t idle_ = 0;
  bool shutdown_ = false;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
};

}  // namespace mcp::http
