#include "app/clerk_sync_scheduler.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "storage/clerk_sync_store.h"
#include "storage/errors.h"
#include "util/ids.h"
#include "util/log.h"
#include "util/time.h"

namespace mcp::app {

namespace {

// A lease outlives a crashed holder by this much at most; the holder renews it every page.
constexpr int64_t kLeaseMs = 60'000;

struct Stopped {};

}  // namespace

ClerkSyncScheduler::ClerkSyncScheduler(storage::Database& db, domain::RoleMap roles, domain::ClerkDirectory& clerk,
                                       int64_t every_ms)
    : db_(db), roles_(std::move(roles)), clerk_(clerk), every_ms_(every_ms), owner_(util::new_uuid_v7()) {}

ClerkSyncScheduler::~ClerkSyncScheduler() { stop(); }

void ClerkSyncScheduler::start() { thread_ = std::thread([this] { loop(); }); }

void ClerkSyncScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ClerkSyncScheduler::loop() {
  // Look often enough that the instances together keep the period (whichever is free takes it).
  const auto poll = std::chrono::milliseconds(std::clamp<int64_t>(every_ms_ / 4, 250, 30'000));
  while (!stopping_) {
    run_if_due();
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, poll, [this] { return stopping_.load(); });
  }
}

void ClerkSyncScheduler::run_if_due() {
  int64_t now = util::now_ms();
  bool mine = false;
  try {
    mine = storage::write_value(db_, [&](storage::Transaction& session) {
      auto status = storage::read_clerk_sync_status(session);
      if (status && status->last_started_at && *status->last_started_at > now - every_ms_) return false;
      if (!storage::acquire_clerk_sync_lease(session, owner_, now + kLeaseMs, now)) return false;
      storage::record_clerk_sync_start(session, now);
      return true;
    });
  } catch (const std::exception& e) {
    util::log_warn("clerk sync: could not take the lease", {{"error", e.what()}});
    return;
  }
  if (!mine) return;

  util::log_info("clerk sync started");
  domain::ClerkReconciler reconciler(db_, roles_, clerk_);
  domain::ReconcileOptions options;
  int64_t renewed_at = now;
  options.on_progress = [&](const domain::ReconcileProgress&) {
    if (stopping_) throw Stopped{};
    int64_t at = util::now_ms();
    if (at - renewed_at < kLeaseMs / 4) return;
    bool still_mine = storage::write_value(db_, [&](storage::Transaction& session) {
      return storage::acquire_clerk_sync_lease(session, owner_, at + kLeaseMs, at);
    });
    if (!still_mine) throw std::runtime_error("the lease was lost to another instance");
    renewed_at = at;
  };
  std::string outcome = "ok";
  std::optional<std::string> error;
  domain::ReconcileReport report;
  try {
    report = reconciler.run(options);
    if (!report.ok()) {
      outcome = "failed";
      error = report.errors.front();
    }
  } catch (const Stopped&) {
    outcome = "failed";
    error = "stopped (the server shut down)";
  } catch (const std::exception& e) {
    outcome = "failed";
    error = e.what();
  }
  const auto& counts = report.counts;
  nlohmann::json counts_json = {{"read", counts.read},       {"applied", counts.applied}, {"unchanged", counts.unchanged},
                                {"pruned", counts.pruned},   {"invalid", counts.invalid}, {"changes", counts.changes}};
  try {
    storage::write_value(db_, [&](storage::Transaction& session) {
      storage::record_clerk_sync_finish(session, util::now_ms(), outcome, error, counts_json.dump());
      storage::release_clerk_sync_lease(session, owner_);
      return true;
    });
  } catch (const std::exception& e) {
    util::log_warn("clerk sync: could not record the run", {{"error", e.what()}});
  }
  if (outcome == "ok") {
    util::log_info("clerk sync finished", {{"read", std::to_string(counts.read)}, {"applied", std::to_string(counts.applied)},
                                           {"unchanged", std::to_string(counts.unchanged)}});
  } else {
    util::log_warn("clerk sync failed", {{"error", *error}, {"read", std::to_string(counts.read)}});
  }
}

}  // namespace mcp::app
