#include "domain/organization_deletion.h"

#include <algorithm>

#include "domain/organization_slugs.h"

namespace mcp::domain {

OrganizationDeletion delete_organization(AuditTrail& trail, const storage::OrganizationRecord& organization,
                                         int64_t at) {
  storage::Transaction& session = trail.session();
  OrganizationDeletion result;
  if (storage::soft_delete_organization(session, organization.id, at)) {
    result.organization_deleted = true;
    auto after = organization;
    after.deleted_at = organization.deleted_at ? std::min(*organization.deleted_at, at) : at;
    trail.record(organization.id, audit_action::kOrganizationDeleted, audit_target::kOrganization, organization.id,
                 audit_view(organization), audit_view(after));
    if (organization.clerk_slug) resolve_slug(trail, *organization.clerk_slug, organization.clerk_id);
  }
  const nlohmann::json reason = {{"reason", "organization deleted"}};
  for (const auto& membership : storage::soft_delete_memberships_of_organization(session, organization.id, at)) {
    trail.record(organization.id, audit_action::kMembershipDeleted, audit_target::kMembership, membership, nullptr,
                 reason);
    ++result.memberships_ended;
  }
  for (const auto& key : storage::revoke_api_keys_of_organization(session, organization.id, at)) {
    trail.record(organization.id, audit_action::kApiKeyRevoked, audit_target::kApiKey, key, nullptr, reason);
    ++result.api_keys_revoked;
  }
  for (const auto& session_id : storage::end_sessions_of_organization(session, organization.id, at)) {
    trail.record(organization.id, audit_action::kSessionRevoked, audit_target::kSession, session_id, nullptr, reason);
    ++result.sessions_ended;
  }
  return result;
}

}  // namespace mcp::domain
