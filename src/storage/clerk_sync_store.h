#pragma once
// What `clerk sync --prune` asks of the database: the live rows that came from Clerk, page by page
// (keyset by clerk_id), so that those Clerk no longer lists can be deleted with the webhooks' cascades.
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace mcp::storage {

// A live membership with the Clerk ids of its organization and user (to ask Clerk about it).
struct LiveMembershipIds {
  std::string clerk_id;
  std::string organization_clerk_id;
  std::string user_clerk_id;
};

// Clerk ids of live users / organizations / memberships created here before `created_before` (ms),
// after `after_clerk_id`, in clerk_id order; at most `limit`.
std::vector<std::string> list_live_user_clerk_ids(Transaction& session, int64_t created_before,
                                                  const std::string& after_clerk_id, int limit);
std::vector<std::string> list_live_organization_clerk_ids(Transaction& session, int64_t created_before,
                                                          const std::string& after_clerk_id, int limit);
std::vector<LiveMembershipIds> list_live_membership_clerk_ids(Transaction& session, int64_t created_before,
                                                              const std::string& after_clerk_id, int limit);

// The background reconciliation's lease and last run (table clerk_sync_state, one row).
struct ClerkSyncStatus {
  std::optional<int64_t> last_started_at, last_finished_at;
  std::optional<std::string> last_outcome;  // ok | failed
  std::optional<std::string> last_error;
  std::string last_counts = "{}";  // JSON: read, applied, unchanged, pruned, invalid, changes
};

// Takes (or renews) the lease for `owner` until `until` (ms) when it is free, expired at `now`, or
// already `owner`'s; true when `owner` holds it now. Several instances on one database: one wins.
bool acquire_clerk_sync_lease(Transaction& session, const std::string& owner, int64_t until, int64_t now);
// Gives the lease up (a run finished), if `owner` holds it.
void release_clerk_sync_lease(Transaction& session, const std::string& owner);
// Records that a run started / finished.
void record_clerk_sync_start(Transaction& session, int64_t started_at);
void record_clerk_sync_finish(Transaction& session, int64_t finished_at, const std::string& outcome,
                              const std::optional<std::string>& error, const std::string& counts_json);
// The last run; nullopt when none ever ran.
std::optional<ClerkSyncStatus> read_clerk_sync_status(Transaction& session);

}  // namespace mcp::storage
