#pragma once
// Scheduled SQLite backups while serving (--backup-dir, --backup-interval, --backup-keep): the
// same online copy as `mcp-admin backup` (one consistent snapshot, integrity_check, fsync, atomic
// rename), every interval, keeping the newest N files of the directory.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mcp::app {

// The last run, for /api/health and /metrics.
struct BackupStatus {
  std::string directory;
  int64_t interval_ms = 0;
  int keep = 0;
  int64_t runs = 0, failures = 0;
  std::optional<int64_t> last_run_at;      // when the last run ended (ms)
  std::optional<int64_t> last_success_at;  // when the last good copy was written (ms)
  bool last_ok = false;
  std::string last_file;   // the newest good copy
  std::string last_error;  // the last run's error, safe to show (no secrets: paths and SQLite's words)
  double last_duration_seconds = 0;
  int64_t last_bytes = 0;
};

class BackupSchedule {
 public:
  // Copies `database_path` into `directory` (created when absent) every `interval`, the first copy
  // right away, keeping the `keep` newest `mcp-admin-*.db` files there.
  BackupSchedule(std::string database_path, std::string directory, std::chrono::milliseconds interval, int keep);
  // Stops the schedule; a copy in progress finishes first.
  ~BackupSchedule();
  BackupSchedule(const BackupSchedule&) = delete;
  BackupSchedule& operator=(const BackupSchedule&) = delete;

  BackupStatus status() const;

  // One copy and rotation now (what each tick does). Returns whether it succeeded.
  bool run_once();

 private:
  void loop();

  std::string database_path_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  BackupStatus status_;
  std::thread thread_;
};

}  // namespace mcp::app
