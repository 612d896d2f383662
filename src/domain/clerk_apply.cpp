#include "domain/clerk_apply.h"

#include <algorithm>

#include "domain/audit_trail.h"
#include "domain/organization_deletion.h"
#include "domain/organization_slugs.h"
#include "storage/identity_store.h"
#include "storage/session_store.h"
#include "util/log.h"
#include "util/nullable_json.h"

namespace mcp::domain {

namespace {

using nlohmann::json;
using storage::Transaction;

// What one application's changes share: the roles, and the trail that records them under one
// actor (the webhook by svix-id, or clerk-sync) and counts them.
struct ApplyContext {
  Transaction& session;
  const RoleMap& roles;
  const ClerkActor& actor;
  AuditTrail& trail;

  void audit(const std::optional<std::string>& organization_id, std::string_view action, std::string_view target_type,
             const std::string& target_id, json before, json after) {
    trail.record(organization_id, action, target_type, target_id, std::move(before), std::move(after));
  }
};

// Newer Clerk data wins; equal timestamps apply again (a replay of the same version changes nothing).
bool is_stale(const std::optional<int64_t>& stored_updated_at, int64_t incoming_updated_at) {
  return stored_updated_at && *stored_updated_at > incoming_updated_at;
}

std::optional<int64_t> earliest(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// ---- organizations ----------------------------------------------------------------------------

storage::OrganizationRecord apply_organization(ApplyContext& ctx, const ClerkOrganizationData& data) {
  auto existing = storage::find_organization_by_clerk_id(ctx.session, data.clerk_id);
  if (existing && is_stale(existing->clerk_updated_at, data.updated_at)) return *existing;

  storage::OrganizationRecord next = existing.value_or(storage::OrganizationRecord{});
  next.clerk_id = data.clerk_id;
  next.name = data.name;
  next.clerk_slug = data.slug;
  next.image_url = data.image_url;
  next.metadata = data.public_metadata;
  next.clerk_updated_at = data.updated_at;
  if (existing && existing->name == next.name && existing->clerk_slug == next.clerk_slug &&
      existing->image_url == next.image_url && existing->metadata == next.metadata &&
      existing->clerk_updated_at == next.clerk_updated_at) {
    return *existing;
  }
  next.slug = std::nullopt;  // granted by resolve_slug below
  if (existing) {
    if (!storage::update_organization_data(ctx.session, next)) return *existing;  // a newer version won meanwhile
  } else {
    storage::insert_organization(ctx.session, next);
  }
  if (existing && existing->clerk_slug && existing->clerk_slug != next.clerk_slug) {
    resolve_slug(ctx.trail, *existing->clerk_slug, data.clerk_id);
  }
  if (next.clerk_slug) resolve_slug(ctx.trail, *next.clerk_slug, data.clerk_id);
  ctx.audit(next.id, existing ? audit_action::kOrganizationUpdated : audit_action::kOrganizationCreated, audit_target::kOrganization, next.id,
            existing ? audit_view(*existing) : json(nullptr), audit_view(next));
  return *storage::find_organization_by_clerk_id(ctx.session, data.clerk_id);
}

void apply_organization_deletion(ApplyContext& ctx, const std::string& clerk_id, int64_t at) {
  auto organization = storage::find_organization_by_clerk_id(ctx.session, clerk_id);
  if (!organization) {
    // Deleted before we saw it: a tombstone, so that a late created/updated cannot make it live.
    storage::OrganizationRecord tombstone;
    tombstone.clerk_id = clerk_id;
    tombstone.deleted_at = at;
    storage::insert_organization(ctx.session, tombstone);
    ctx.audit(tombstone.id, audit_action::kOrganizationDeleted, audit_target::kOrganization, tombstone.id, nullptr,
              audit_view(tombstone));
    return;
  }
  delete_organization(ctx.trail, *organization, at);
}

// ---- users ------------------------------------------------------------------------------------

void apply_user(ApplyContext& ctx, const ClerkUserData& data) {
  auto existing = storage::find_user_by_clerk_id(ctx.session, data.clerk_id);
  if (existing && is_stale(existing->clerk_updated_at, data.updated_at)) return;
  storage::UserRecord next = existing.value_or(storage::UserRecord{});
  next.clerk_id = data.clerk_id;
  next.email = data.email;
  next.first_name = data.first_name;
  next.last_name = data.last_name;
  next.image_url = data.image_url;
  next.metadata = data.public_metadata;
  next.last_sign_in_at = data.last_sign_in_at;
  next.clerk_updated_at = data.updated_at;
  if (existing && existing->email == next.email && existing->first_name == next.first_name &&
      existing->last_name == next.last_name && existing->image_url == next.image_url &&
      existing->metadata == next.metadata && existing->last_sign_in_at == next.last_sign_in_at &&
      existing->clerk_updated_at == next.clerk_updated_at) {
    return;
  }
  if (existing) {
    if (!storage::update_user_data(ctx.session, next)) return;  // a newer version won meanwhile
  } else {
    storage::insert_user(ctx.session, next);
  }
  ctx.audit(std::nullopt, existing ? audit_action::kUserUpdated : audit_action::kUserCreated, audit_target::kUser, next.id,
            existing ? audit_view(*existing) : json(nullptr), audit_view(next));
}

// The user a membership names: created from its public_user_data when not seen yet; a later
// user.* event completes it (a placeholder has no clerk_updated_at, so any user event is newer).
storage::UserRecord ensure_user(ApplyContext& ctx, const ClerkPublicUserData& data) {
  if (auto existing = storage::find_user_by_clerk_id(ctx.session, data.clerk_id)) return *existing;
  storage::UserRecord user;
  user.clerk_id = data.clerk_id;
  user.email = data.identifier;
  user.first_name = data.first_name;
  user.last_name = data.last_name;
  user.image_url = data.image_url;
  storage::insert_user(ctx.session, user);
  ctx.audit(std::nullopt, audit_action::kUserCreated, audit_target::kUser, user.id, nullptr, audit_view(user));
  return user;
}

void delete_user(ApplyContext& ctx, const std::string& clerk_id, int64_t at) {
  auto user = storage::find_user_by_clerk_id(ctx.session, clerk_id);
  if (!user) {
    storage::UserRecord tombstone;
    tombstone.clerk_id = clerk_id;
    tombstone.deleted_at = at;
    storage::insert_user(ctx.session, tombstone);
    ctx.audit(std::nullopt, audit_action::kUserDeleted, audit_target::kUser, tombstone.id, nullptr, audit_view(tombstone));
    return;
  }
  if (storage::soft_delete_user(ctx.session, user->id, at)) {
    auto after = *user;
    after.deleted_at = earliest(user->deleted_at, at);
    ctx.audit(std::nullopt, audit_action::kUserDeleted, audit_target::kUser, user->id, audit_view(*user), audit_view(after));
  }
  for (const auto& membership : storage::soft_delete_memberships_of_user(ctx.session, user->id, at)) {
    ctx.audit(std::nullopt, audit_action::kMembershipDeleted, audit_target::kMembership, membership, nullptr,
              {{"reason", "user deleted"}});
  }
  for (const auto& session_id : storage::end_sessions_of_user(ctx.session, user->id, at)) {
    ctx.audit(std::nullopt, audit_action::kSessionRevoked, audit_target::kSession, session_id, nullptr, {{"reason", "user deleted"}});
  }
}

// ---- memberships ------------------------------------------------------------------------------

void soft_delete_membership(ApplyContext& ctx, const storage::MembershipRecord& existing, int64_t at) {
  if (!storage::soft_delete_membership(ctx.session, existing.id, at)) return;
  auto after = existing;
  after.deleted_at = earliest(existing.deleted_at, at);
  ctx.audit(existing.organization_id, audit_action::kMembershipDeleted, audit_target::kMembership, existing.id,
            audit_view(existing), audit_view(after));
}

void apply_membership(ApplyContext& ctx, const ClerkMembershipData& data, std::optional<int64_t> deleted_at) {
  storage::OrganizationRecord organization = apply_organization(ctx, data.organization);
  storage::UserRecord user = ensure_user(ctx, data.user);
  // Read their deletion state again under a lock: another instance may be deleting them now.
  storage::lock_membership_parents(ctx.session, organization.id, user.id);
  organization = *storage::find_organization_by_clerk_id(ctx.session, data.organization.clerk_id);
  user = *storage::find_user_by_clerk_id(ctx.session, data.user.clerk_id);
  bool unknown_role = false;
  std::string role = ctx.roles.map(data.role, &unknown_role);
  if (unknown_role) {
    util::log_warn("unknown Clerk role mapped to VIEWER (least privilege); map it with CLERK_ROLE_MAP",
                   {{"clerk_role", data.role}, {ctx.actor.type == "webhook" ? "svix_id" : "actor", ctx.actor.id}});
  }

  auto existing = storage::find_membership_by_clerk_id(ctx.session, data.clerk_id);
  if (!existing) {
    storage::MembershipRecord next;
    next.clerk_id = data.clerk_id;
    next.organization_id = organization.id;
    next.user_id = user.id;
    next.role = role;
    next.clerk_role = data.role;
    next.clerk_created_at = data.created_at;
    next.clerk_updated_at = data.updated_at;
    // A membership of an organization or user already deleted is deleted from then on.
    next.deleted_at = earliest(earliest(organization.deleted_at, user.deleted_at), deleted_at);
    if (!next.deleted_at) {
      // Clerk gives a re-added member a new membership: of two live ones for the same pair, the
      // newer (by Clerk's created_at) is the member; the older ended when the newer began.
      if (auto other = storage::find_live_membership(ctx.session, organization.id, user.id)) {
        int64_t other_created = other->clerk_created_at.value_or(0);
        if (other_created < data.created_at || (other_created == data.created_at && other->clerk_id < data.clerk_id)) {
          storage::soft_delete_membership(ctx.session, other->id, data.created_at);
          auto after = *other;
          after.deleted_at = data.created_at;
          ctx.audit(organization.id, audit_action::kMembershipDeleted, audit_target::kMembership, other->id,
                    audit_view(*other), audit_view(after));
        } else {
          next.deleted_at = other_created;
        }
      }
    }
    storage::insert_membership(ctx.session, next);
    ctx.audit(organization.id, audit_action::kMembershipCreated, audit_target::kMembership, next.id, nullptr,
              audit_view(next));
    return;
  }

  if (!is_stale(existing->clerk_updated_at, data.updated_at) &&
      (existing->role != role || existing->clerk_role != data.role || existing->clerk_updated_at != data.updated_at ||
       existing->clerk_created_at != data.created_at)) {
    storage::MembershipRecord next = *existing;
    next.role = role;
    next.clerk_role = data.role;
    next.clerk_created_at = data.created_at;
    next.clerk_updated_at = data.updated_at;
    if (storage::update_membership_data(ctx.session, next)) {
      ctx.audit(organization.id, audit_action::kMembershipUpdated, audit_target::kMembership, next.id,
                audit_view(*existing), audit_view(next));
    }
  }
  if (deleted_at) soft_delete_membership(ctx, *existing, *deleted_at);
}

// ---- sessions ---------------------------------------------------------------------------------

json describe_session(const storage::ClerkSessionState& state, const std::string& clerk_session_id) {
  return {{"clerk_session_id", clerk_session_id},
          {"organization_id", util::nullable_text(state.organization_id)},
          {"status", util::nullable_text(state.clerk_status)},
          {"revoked", state.revoked_at.has_value()}};
}

// session.created|pending|ended|removed|revoked: the row by clerk_session_id follows Clerk's newest
// data; a session Clerk ended is a tombstone (revoked_at stays, no later event makes it live). Its
// user is created from the id when not seen yet (a later user.* completes it); a deleted user or
// organization ends it, as their deletion would have.
void apply_session(ApplyContext& ctx, const ClerkSessionData& data) {
  auto existing = storage::find_clerk_session_state(ctx.session, data.clerk_id);
  if (existing) {
    if (existing->clerk_status && is_ended_session_status(*existing->clerk_status)) return;  // tombstone
    if (is_stale(existing->clerk_updated_at, data.updated_at)) return;
  }
  storage::UserRecord user = ensure_user(ctx, ClerkPublicUserData{data.user_id, {}, {}, {}, {}});
  storage::ClerkSessionState next;
  next.user_id = user.id;
  next.expires_at = data.expire_at;
  next.last_active_at = data.last_active_at;
  next.clerk_status = data.status;
  next.clerk_updated_at = data.updated_at;
  if (is_ended_session_status(data.status)) next.revoked_at = data.updated_at;
  if (user.deleted_at) next.revoked_at = earliest(next.revoked_at, user.deleted_at);
  if (data.last_active_organization_id) {
    if (auto organization = storage::find_organization_by_clerk_id(ctx.session, *data.last_active_organization_id)) {
      next.organization_id = organization->id;
      if (organization->deleted_at) next.revoked_at = earliest(next.revoked_at, organization->deleted_at);
    }
  }
  if (!existing) {
    if (storage::insert_clerk_session(ctx.session, data.clerk_id, next)) {
      ctx.audit(next.organization_id, next.revoked_at ? audit_action::kSessionRevoked : audit_action::kSessionCreated, audit_target::kSession, next.id,
                nullptr, describe_session(next, data.clerk_id));
      return;
    }
    // Inserted by another instance meanwhile: apply over it.
    existing = storage::find_clerk_session_state(ctx.session, data.clerk_id);
    if (!existing) return;
  }
  next.id = existing->id;
  next.user_id = existing->user_id;
  next.revoked_at = earliest(next.revoked_at, existing->revoked_at);
  if (existing->organization_id == next.organization_id && existing->expires_at == next.expires_at &&
      existing->last_active_at == next.last_active_at && existing->revoked_at == next.revoked_at &&
      existing->clerk_status == next.clerk_status && existing->clerk_updated_at == next.clerk_updated_at) {
    return;
  }
  if (!storage::update_clerk_session(ctx.session, next)) return;
  bool ended_now = next.revoked_at && !existing->revoked_at;
  ctx.audit(next.organization_id, ended_now ? audit_action::kSessionRevoked : audit_action::kSessionUpdated, audit_target::kSession, next.id,
            describe_session(*existing, data.clerk_id), describe_session(next, data.clerk_id));
}

}  // namespace

int apply_clerk_event(Transaction& session, const RoleMap& roles, const ClerkActor& actor, const ClerkEvent& event,
                      int64_t fallback_timestamp, std::vector<std::string>* actions) {
  AuditTrail trail(session, AuditActor{actor.type, actor.id, {}, {}, actor.request_id, {}}, actions);
  ApplyContext ctx{session, roles, actor, trail};
  int64_t at = event.timestamp.value_or(fallback_timestamp);
  switch (event.kind) {
    case ClerkEventKind::UserUpserted: apply_user(ctx, event.user); break;
    case ClerkEventKind::UserDeleted: delete_user(ctx, event.deleted_id, at); break;
    case ClerkEventKind::OrganizationUpserted: apply_organization(ctx, event.organization); break;
    case ClerkEventKind::OrganizationDeleted: apply_organization_deletion(ctx, event.deleted_id, at); break;
    case ClerkEventKind::MembershipUpserted: apply_membership(ctx, event.membership, std::nullopt); break;
    case ClerkEventKind::MembershipDeleted: apply_membership(ctx, event.membership, at); break;
    case ClerkEventKind::SessionChanged: apply_session(ctx, event.session); break;
    case ClerkEventKind::Other: break;
  }
  return trail.changes();
}

int delete_clerk_membership(Transaction& session, const RoleMap& roles, const ClerkActor& actor,
                            const std::string& membership_clerk_id, int64_t at, std::vector<std::string>* actions) {
  AuditTrail trail(session, AuditActor{actor.type, actor.id, {}, {}, actor.request_id, {}}, actions);
  ApplyContext ctx{session, roles, actor, trail};
  if (auto existing = storage::find_membership_by_clerk_id(session, membership_clerk_id)) {
    soft_delete_membership(ctx, *existing, at);
  }
  return trail.changes();
}

}  // namespace mcp::domain
