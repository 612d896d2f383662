#pragma once
// `serve --clerk-sync-every DURATION`: the reconciliation of `clerk sync` in the background. On a
// database shared by several instances one instance at a time runs it: a lease row
// (clerk_sync_state) is taken only when free (or expired) and when the last run started at least
// DURATION ago, renewed while the run goes on, and released at its end. The last run's outcome and
// counts are recorded in that row, which /api/health and /metrics report.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "domain/clerk_reconcile.h"

namespace mcp::app {

class ClerkSyncScheduler {
 public:
  ClerkSyncScheduler(storage::Database& db, domain::RoleMap roles, domain::ClerkDirectory& clerk, int64_t every_ms);
  ~ClerkSyncScheduler();
  ClerkSyncScheduler(const ClerkSyncScheduler&) = delete;
  ClerkSyncScheduler& operator=(const ClerkSyncScheduler&) = delete;

  void start();
  // Stops: a run in progress ends after its current page (recorded as failed: "stopped").
  void stop();

 private:
  void loop();
  // One attempt: runs when this instance gets the lease. Never throws.
  void run_if_due();

  storage::Database& db_;
  domain::RoleMap roles_;
  domain::ClerkDirectory& clerk_;
  int64_t every_ms_;
  std::string owner_;  // this instance, in the lease
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace mcp::app
