#pragma once
// The rules that keep users, organizations and memberships in step with Clerk (README "Connect Clerk"):
// staleness by updated_at, tombstones never revived, cascading soft deletes, one audit row per
// applied change. The webhook (WebhookSync) and the reconciliation (`clerk sync`) both apply
// through here, each as its own actor, so there is one copy of the rules.
#include <optional>
#include <string>
#include <vector>

#include "domain/clerk_event.h"
#include "domain/role_map.h"
#include "storage/database.h"

namespace mcp::domain {

// Who the audit rows name: {"webhook", svix-id} or {"system", "clerk-sync"}.
struct ClerkActor {
  std::string type;
  std::string id;
  std::optional<std::string> request_id;
};

// Applies one event inside the caller's transaction; returns the number of changes (audit rows)
// it made, 0 when the stored state already says as much or is newer. `fallback_timestamp` (ms) is
// the deletion time of a deleted event without a timestamp. When `actions` is given, the action of
// every change is appended to it (a dry run's report).
int apply_clerk_event(storage::Transaction& session, const RoleMap& roles, const ClerkActor& actor, const ClerkEvent& event,
                      int64_t fallback_timestamp, std::vector<std::string>* actions = nullptr);

// Soft-deletes the membership with this Clerk id, if known and live (what
// organizationMembership.deleted does, for a caller that holds only the id); returns the changes.
int delete_clerk_membership(storage::Transaction& session, const RoleMap& roles, const ClerkActor& actor,
                            const std::string& membership_clerk_id, int64_t at,
                            std::vector<std::string>* actions = nullptr);

}  // namespace mcp::domain
