#pragma once
// An organization's members changed from mcp-admin (the admin API; Clerk's own changes come
// through clerk_apply): add, change the role, remove. Each change is one audited step, recorded as
// organization_membership.* like the changes Clerk makes.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "domain/audit_trail.h"
#include "storage/identity_store.h"

namespace mcp::domain {

// Why a membership change was refused; the message is safe to show the caller.
class MembershipRefused : public std::runtime_error {
 public:
  enum class Reason { NoSuchOrganization, NoSuchUser, NotAMember, AlreadyMember };
  MembershipRefused(Reason reason, const std::string& message) : std::runtime_error(message), reason_(reason) {}
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

struct Member {
  storage::MembershipRecord membership;
  storage::UserRecord user;
};

// Adds the user (internal or Clerk id) to the live organization with the role. Memberships come
// from Clerk: unless `by_platform_admin`, only a user whom Clerk put in this organization (a
// membership row, live or removed) may be added back; anyone else is refused exactly as an unknown
// user is, so an organization's ADMIN can neither probe nor claim users of other organizations.
Member add_member(AuditTrail& trail, const std::string& organization_id, const std::string& user_ref,
                  const std::string& role, bool by_platform_admin);

// Changes the role of the user's live membership in the organization.
Member change_member_role(AuditTrail& trail, const std::string& organization_id, const std::string& user_ref,
                          const std::string& role);

// Ends the user's live membership in the organization as of `at`.
void remove_member(AuditTrail& trail, const std::string& organization_id, const std::string& user_ref, int64_t at);

}  // namespace mcp::domain
