#pragma once
// An organization's deletion and what ends with it, in one place for every way it happens: the
// admin API's DELETE, Clerk's organization.deleted (webhook or `clerk sync --prune`). Its audit
// story is the same whoever deletes: one organization.deleted row, then one row per membership
// ended, API key revoked and session ended, each with {"reason": "organization deleted"}.
#include <cstdint>

#include "domain/audit_trail.h"
#include "storage/identity_store.h"

namespace mcp::domain {

struct OrganizationDeletion {
  bool organization_deleted = false;  // false: it was deleted already, at or before `at`
  int memberships_ended = 0;
  int api_keys_revoked = 0;
  int sessions_ended = 0;
};

// Soft-deletes `organization` as of `at` (an earlier deletion time stands), hands its Clerk slug
// to the next live claimant, and ends its memberships, API keys and sessions not ended before `at`.
OrganizationDeletion delete_organization(AuditTrail& trail, const storage::OrganizationRecord& organization,
                                         int64_t at);

}  // namespace mcp::domain
