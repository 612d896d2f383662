#include "app/usage_recorder.h"

#include <chrono>

#include "storage/api_key_store.h"
#include "storage/database.h"
#include "util/log.h"

namespace mcp::app {

UsageRecorder::UsageRecorder(storage::Database& db, int flush_interval_ms)
    : db_(db), flush_interval_ms_(flush_interval_ms), flusher_([this] { run(); }) {}

UsageRecorder::~UsageRecorder() { stop(); }

void UsageRecorder::record(const std::string& api_key_id, int64_t at_ms) {
  std::lock_guard lock(mutex_);
  Usage& usage = pending_[api_key_id];
  usage.count += 1;
  if (at_ms > usage.last_used_at) usage.last_used_at = at_ms;
}

void UsageRecorder::flush() {
  std::lock_guard flush_lock(flush_mutex_);
  std::unordered_map<std::string, Usage> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  if (batch.empty()) return;
  try {
    db_.write([&](storage::Transaction& session) {
      for (const auto& [id, usage] : batch) storage::add_api_key_usage(session, id, usage.count, usage.last_used_at);
    });
  } catch (const std::exception& e) {
    // Put the counts back: the next flush tries again (the database may be restarting).
    std::lock_guard lock(mutex_);
    for (const auto& [id, usage] : batch) {
      Usage& pending = pending_[id];
      pending.count += usage.count;
      if (usage.last_used_at > pending.last_used_at) pending.last_used_at = usage.last_used_at;
    }
    util::log_warn("api key usage not written yet", {{"error", e.what()}, {"keys", batch.size()}});
  }
}

void UsageRecorder::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(flush_interval_ms_), [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void UsageRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !flusher_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  flush();
}

}  // namespace mcp::app
