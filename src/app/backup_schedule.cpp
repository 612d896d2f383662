#include "app/backup_schedule.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "storage/sqlite/sqlite_backup.h"
#include "util/log.h"
#include "util/time.h"

namespace mcp::app {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "mcp-admin-";
constexpr std::string_view kSuffix = ".db";

// "mcp-admin-20261202T181500.123Z.db": names sort by time, so rotation sorts by name.
std::string backup_name(int64_t at_ms) {
  std::string iso = util::format_iso8601_ms(at_ms);  // 2026-12-02T18:15:00.123Z
  std::erase(iso, '-');
  std::erase(iso, ':');
  return std::string(kPrefix) + iso + std::string(kSuffix);
}

bool is_backup_name(const std::string& name) {
  return name.size() > kPrefix.size() + kSuffix.size() && name.starts_with(kPrefix) && name.ends_with(kSuffix) &&
         name.find(".tmp-") == std::string::npos;
}

// Removes all but the `keep` newest backups of the directory; returns how many it removed.
int rotate(const std::string& directory, int keep) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && is_backup_name(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end(), std::greater<>());
  int removed = 0;
  for (size_t idx = static_cast<size_t>(keep); idx < names.size(); ++idx) {
    std::error_code ignored;
    if (fs::remove(fs::path(directory) / names[idx], ignored)) ++removed;
  }
  return removed;
}

}  // namespace

BackupSchedule::BackupSchedule(std::string database_path, std::string directory, std::chrono::milliseconds interval,
                               int keep)
    : database_path_(std::move(database_path)), interval_(interval) {
  status_.directory = std::move(directory);
  status_.interval_ms = interval.count();
  status_.keep = keep;
  thread_ = std::thread([this] { loop(); });
}

BackupSchedule::~BackupSchedule() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

BackupStatus BackupSchedule::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

bool BackupSchedule::run_once() {
  std::string directory;
  int keep;
  {
    std::lock_guard lock(mutex_);
    directory = status_.directory;
    keep = status_.keep;
  }
  auto started = std::chrono::steady_clock::now();
  std::string file, error;
  int64_t bytes = 0;
  int removed = 0;
  try {
    fs::create_directories(directory);
    file = (fs::path(directory) / backup_name(util::now_ms())).string();
    storage::SqliteFileSummary summary = storage::backup_sqlite(database_path_, file, false);
    bytes = summary.bytes;
    removed = rotate(directory, keep);
  } catch (const std::exception& e) {
    error = e.what();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int64_t now = util::now_ms();
  {
    std::lock_guard lock(mutex_);
    ++status_.runs;
    status_.last_run_at = now;
    status_.last_ok = error.empty();
    status_.last_duration_seconds = seconds;
    status_.last_error = error;
    if (error.empty()) {
      status_.last_success_at = now;
      status_.last_file = file;
      status_.last_bytes = bytes;
    } else {
      ++status_.failures;
    }
  }
  if (error.empty()) {
    util::log_info("backup written", {{"file", file}, {"bytes", bytes}, {"seconds", seconds}, {"removed", removed}});
  } else {
    util::log_error("backup failed", {{"directory", directory}, {"error", error}});
  }
  return error.empty();
}

void BackupSchedule::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    run_once();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace mcp::app
