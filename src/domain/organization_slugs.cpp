#include "domain/organization_slugs.h"

#include "storage/identity_store.h"
#include "util/nullable_json.h"

namespace mcp::domain {

void resolve_slug(AuditTrail& trail, const std::string& clerk_slug, const std::string& acting_clerk_id) {
  // The claims are read after the lock: a concurrent hand-over has committed by then, and ours
  // will be seen by the next one (READ COMMITTED reads each statement afresh).
  storage::lock_slug_hand_over(trail.session());
  std::vector<storage::SlugClaim> claims = storage::find_slug_claims(trail.session(), clerk_slug);
  const storage::SlugClaim* winner = nullptr;
  for (const auto& claim : claims) {
    if (claim.deleted) continue;
    if (!winner) {
      winner = &claim;
      continue;
    }
    int64_t mine = claim.clerk_updated_at.value_or(-1), best = winner->clerk_updated_at.value_or(-1);
    if (mine > best || (mine == best && claim.clerk_id < winner->clerk_id)) winner = &claim;
  }
  // Release first, then grant: the unique index is checked statement by statement. Each change
  // of an organization's effective slug is audited as that organization's own change.
  auto audit_slug = [&](const storage::SlugClaim& claim, const std::optional<std::string>& slug) {
    if (claim.clerk_id == acting_clerk_id) return;
    trail.record(claim.id, audit_action::kOrganizationSlugChanged, audit_target::kOrganization, claim.id,
                 {{"clerk_id", claim.clerk_id}, {"slug", util::nullable_text(claim.slug)}},
                 {{"clerk_id", claim.clerk_id}, {"slug", util::nullable_text(slug)}});
  };
  for (const auto& claim : claims) {
    if (!claim.deleted && &claim != winner && claim.slug == clerk_slug &&
        storage::release_organization_slug(trail.session(), claim.id, clerk_slug)) {
      audit_slug(claim, std::nullopt);
    }
  }
  for (const auto& claim : claims) {
    if ((claim.deleted || &claim == winner) && claim.slug != clerk_slug &&
        storage::grant_organization_slug(trail.session(), claim.id, clerk_slug)) {
      audit_slug(claim, clerk_slug);
    }
  }
}


}  // namespace mcp::domain
