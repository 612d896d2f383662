#pragma once
// API-key usage (usage_count, last_used_at) counted in memory and written once a second in one
// transaction, so that no request waits for a write (README "API keys"). A crash loses at most the last
// second of counts — usage is a statistic, not an acknowledged write.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace mcp::storage {
class Database;
}

namespace mcp::app {

class UsageRecorder {
 public:
  explicit UsageRecorder(storage::Database& db, int flush_interval_ms = 1000);
  // Flushes what is counted, then stops the flusher.
  ~UsageRecorder();
  UsageRecorder(const UsageRecorder&) = delete;
  UsageRecorder& operator=(const UsageRecorder&) = delete;

  // Counts one use of the key at `at_ms`. Cheap: a map update under a short lock.
  void record(const std::string& api_key_id, int64_t at_ms);

  // Writes what is counted now (tests, shutdown). Safe to call from any thread.
  void flush();

  // Stops the background flusher after a last flush; idempotent. Call before the database closes.
  void stop();

 private:
  struct Usage {
    int64_t count = 0;
    int64_t last_used_at = 0;
  };
  void run();

  storage::Database& db_;
  int flush_interval_ms_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<std::string, Usage> pending_;
  std::mutex flush_mutex_;  // one flush at a time, so counts are never written twice
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace mcp::app
