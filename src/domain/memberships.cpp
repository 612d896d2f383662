#include "domain/memberships.h"

#include "util/ids.h"

namespace mcp::domain {

namespace {

constexpr const char* kNoMember = "That user is not a member of this organization.";
constexpr const char* kNoUser = "There is no such user.";

// The live membership of the user named by `user_ref` in the organization.
Member live_member(storage::Transaction& session, const std::string& organization_id, const std::string& user_ref) {
  auto user = storage::find_user_by_any_id(session, user_ref);
  if (!user) throw MembershipRefused(MembershipRefused::Reason::NotAMember, kNoMember);
  auto membership = storage::find_live_membership(session, organization_id, user->id);
  if (!membership) throw MembershipRefused(MembershipRefused::Reason::NotAMember, kNoMember);
  return {*membership, *user};
}

}  // namespace

Member add_member(AuditTrail& trail, const std::string& organization_id, const std::string& user_ref,
                  const std::string& role, bool by_platform_admin) {
  storage::Transaction& session = trail.session();
  auto organization = storage::find_organization(session, organization_id);
  if (!organization || organization->deleted_at) {
    throw MembershipRefused(MembershipRefused::Reason::NoSuchOrganization, "There is no such organization.");
  }
  auto user = storage::find_user_by_any_id(session, user_ref);
  if (!user || user->deleted_at) throw MembershipRefused(MembershipRefused::Reason::NoSuchUser, kNoUser);
  storage::lock_membership_parents(session, organization->id, user->id);
  if (storage::find_live_membership(session, organization->id, user->id)) {
    throw MembershipRefused(MembershipRefused::Reason::AlreadyMember,
                            "The user is already a member; change the role with PATCH instead.");
  }
  if (!by_platform_admin && !storage::has_membership_row(session, organization->id, user->id)) {
    throw MembershipRefused(MembershipRefused::Reason::NoSuchUser, kNoUser);
  }
  storage::MembershipRecord membership;
  membership.clerk_id = "orgmem_local_" + util::new_uuid_v7();
  membership.organization_id = organization->id;
  membership.user_id = user->id;
  membership.role = role;
  storage::insert_membership(session, membership);
  auto stored = *storage::find_membership_by_clerk_id(session, membership.clerk_id);
  trail.record(organization->id, audit_action::kMembershipCreated, audit_target::kMembership, stored.id, nullptr,
               audit_view(stored));
  return {stored, *user};
}

Member change_member_role(AuditTrail& trail, const std::string& organization_id, const std::string& user_ref,
                          const std::string& role) {
  storage::Transaction& session = trail.session();
  Member member = live_member(session, organization_id, user_ref);
  if (!storage::update_membership_role(session, member.membership.id, role)) {
    throw MembershipRefused(MembershipRefused::Reason::NotAMember, kNoMember);
  }
  auto stored = *storage::find_membership_by_clerk_id(session, member.membership.clerk_id);
  trail.record(organization_id, audit_action::kMembershipUpdated, audit_target::kMembership, stored.id,
               audit_view(member.membership), audit_view(stored));
  return {stored, member.user};
}

void remove_member(AuditTrail& trail, const std::string& organization_id, const std::string& user_ref, int64_t at) {
  storage::Transaction& session = trail.session();
  Member member = live_member(session, organization_id, user_ref);
  if (!storage::soft_delete_membership(session, member.membership.id, at)) {
    throw MembershipRefused(MembershipRefused::Reason::NotAMember, kNoMember);
  }
  auto stored = *storage::find_membership_by_clerk_id(session, member.membership.clerk_id);
  trail.record(organization_id, audit_action::kMembershipDeleted, audit_target::kMembership, stored.id,
               audit_view(member.membership), audit_view(stored));
}

}  // namespace mcp::domain
