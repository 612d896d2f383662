#pragma once
// Who holds an organization slug (README "Connect Clerk", "Slugs"): among live organizations that
// Clerk says have it, the one with the newest Clerk data, then the smallest Clerk id; deleted
// ones keep theirs (outside the unique index). A function of the stored data alone, so every
// delivery order ends the same.
#include <string>

#include "domain/audit_trail.h"

namespace mcp::domain {

// Hands `clerk_slug` to the organization that should hold it now, releasing it from the others;
// each organization whose slug changed gets an organization.slug_changed row, except
// `acting_clerk_id`, the organization the change is about, whose own row covers it.
void resolve_slug(AuditTrail& trail, const std::string& clerk_slug, const std::string& acting_clerk_id);

}  // namespace mcp::domain
