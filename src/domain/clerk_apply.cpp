#include "domain/clerk_apply.h"

#include <algorithm>

#include "storage/audit_store.h"
#include "storage/identity_store.h"
#include "storage/session_store.h"
#include "util/log.h"

namespace mcp::domain {

namespace {

using nlohmann::json;
using storage::Session;

// What one application's changes share: who made them (the webhook by svix-id, or clerk-sync) and
// a change count; optionally the actions, for a dry run's report.
struct ApplyContext {
  Session& session;
  const RoleMap& roles;
  const ClerkActor& actor;
  std::vector<std::string>* actions = nullptr;
  int changes = 0;

  void audit(const std::optional<std::string>& organization_id, const std::string& action,
             const std::string& target_type, const std::string& target_id, json before, json after) {
    storage::AuditEntry entry;
    entry.organization_id = organization_id;
    entry.actor_type = actor.type;
    entry.actor_id = actor.id;
    entry.action = action;
    entry.target_type = target_type;
    entry.target_id = target_id;
    entry.changes = {{"before", std::move(before)}, {"after", std::move(after)}};
    entry.request_id = actor.request_id;
    storage::insert_audit_log(session, entry);
    if (actions) actions->push_back(action);
    ++changes;
  }
};

json optional_json(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

json describe(const storage::UserRecord& user) {
  return {{"clerk_id", user.clerk_id},
          {"email", optional_json(user.email)},
          {"first_name", optional_json(user.first_name)},
          {"last_name", optional_json(user.last_name)},
          {"deleted", user.deleted_at.has_value()}};
}

json describe(const storage::OrganizationRecord& organization) {
  return {{"clerk_id", organization.clerk_id},
          {"name", organization.name},
          {"slug", optional_json(organization.clerk_slug)},
          {"deleted", organization.deleted_at.has_value()}};
}

json describe(const storage::MembershipRecord& membership) {
  return {{"clerk_id", membership.clerk_id},
          {"organization_id", membership.organization_id},
          {"user_id", membership.user_id},
          {"role", membership.role},
          {"deleted", membership.deleted_at.has_value()}};
}

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

// Among live organizations that Clerk says have `clerk_slug`, the one with the newest Clerk data
// (then the smallest clerk id) holds it; deleted ones keep it (they are outside the unique index).
// A function of the stored data alone, so every delivery order ends the same.
// `acting_clerk_id` is the organization the delivery is about: its own audit row covers its slug.
void resolve_slug(ApplyContext& ctx, const std::string& clerk_slug, const std::string& acting_clerk_id) {
  // The claims are read after the lock: a concurrent hand-over has committed by then, and ours
  // will be seen by the next one (READ COMMITTED reads each statement afresh).
  storage::lock_slug_hand_over(ctx.session);
  std::vector<storage::SlugClaim> claims = storage::find_slug_claims(ctx.session, clerk_slug);
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
    ctx.audit(claim.id, "organization.slug_changed", "organization", claim.id,
              {{"clerk_id", claim.clerk_id}, {"slug", optional_json(claim.slug)}},
              {{"clerk_id", claim.clerk_id}, {"slug", optional_json(slug)}});
  };
  for (const auto& claim : claims) {
    if (!claim.deleted && &claim != winner && claim.slug == clerk_slug &&
        storage::release_organization_slug(ctx.session, claim.id, clerk_slug)) {
      audit_slug(claim, std::nullopt);
    }
  }
  for (const auto& claim : claims) {
    if ((claim.deleted || &claim == winner) && claim.slug != clerk_slug &&
        storage::grant_organization_slug(ctx.session, claim.id, clerk_slug)) {
      audit_slug(claim, clerk_slug);
    }
  }
}

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
    resolve_slug(ctx, *existing->clerk_slug, data.clerk_id);
  }
  if (next.clerk_slug) resolve_slug(ctx, *next.clerk_slug, data.clerk_id);
  ctx.audit(next.id, existing ? "organization.updated" : "organization.created", "organization", next.id,
            existing ? describe(*existing) : json(nullptr), describe(next));
  return *storage::find_organization_by_clerk_id(ctx.session, data.clerk_id);
}

void delete_organization(ApplyContext& ctx, const std::string& clerk_id, int64_t at) {
  auto organization = storage::find_organization_by_clerk_id(ctx.session, clerk_id);
  if (!organization) {
    // Deleted before we saw it: a tombstone, so that a late created/updated cannot make it live.
    storage::OrganizationRecord tombstone;
    tombstone.clerk_id = clerk_id;
    tombstone.deleted_at = at;
    storage::insert_organization(ctx.session, tombstone);
    ctx.audit(tombstone.id, "organization.deleted", "organization", tombstone.id, nullptr, describe(tombstone));
    return;
  }
  if (storage::soft_delete_organization(ctx.session, organization->id, at)) {
    auto after = *organization;
    after.deleted_at = earliest(organization->deleted_at, at);
    ctx.audit(organization->id, "organization.deleted", "organization", organization->id, describe(*organization),
              describe(after));
    if (organization->clerk_slug) resolve_slug(ctx, *organization->clerk_slug, clerk_id);
  }
  for (const auto& membership : storage::soft_delete_memberships_of_organization(ctx.session, organization->id, at)) {
    ctx.audit(organization->id, "organization_membership.deleted", "organization_membership", membership, nullptr,
              {{"reason", "organization deleted"}});
  }
  for (const auto& key : storage::revoke_api_keys_of_organization(ctx.session, organization->id, at)) {
    ctx.audit(organization->id, "api_key.revoked", "api_key", key, nullptr, {{"reason", "organization deleted"}});
  }
  for (const auto& session_id : storage::end_sessions_of_organization(ctx.session, organization->id, at)) {
    ctx.audit(organization->id, "session.revoked", "session", session_id, nullptr, {{"reason", "organization deleted"}});
  }
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
  ctx.audit(std::nullopt, existing ? "user.updated" : "user.created", "user", next.id,
            existing ? describe(*existing) : json(nullptr), describe(next));
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
  ctx.audit(std::nullopt, "user.created", "user", user.id, nullptr, describe(user));
  return user;
}

void delete_user(ApplyContext& ctx, const std::string& clerk_id, int64_t at) {
  auto user = storage::find_user_by_clerk_id(ctx.session, clerk_id);
  if (!user) {
    storage::UserRecord tombstone;
    tombstone.clerk_id = clerk_id;
    tombstone.deleted_at = at;
    storage::insert_user(ctx.session, tombstone);
    ctx.audit(std::nullopt, "user.deleted", "user", tombstone.id, nullptr, describe(tombstone));
    return;
  }
  if (storage::soft_delete_user(ctx.session, user->id, at)) {
    auto after = *user;
    after.deleted_at = earliest(user->deleted_at, at);
    ctx.audit(std::nullopt, "user.deleted", "user", user->id, describe(*user), describe(after));
  }
  for (const auto& membership : storage::soft_delete_memberships_of_user(ctx.session, user->id, at)) {
    ctx.audit(std::nullopt, "organization_membership.deleted", "organization_membership", membership, nullptr,
              {{"reason", "user deleted"}});
  }
  for (const auto& session_id : storage::end_sessions_of_user(ctx.session, user->id, at)) {
    ctx.audit(std::nullopt, "session.revoked", "session", session_id, nullptr, {{"reason", "user deleted"}});
  }
}

// ---- memberships ------------------------------------------------------------------------------

void soft_delete_membership(ApplyContext& ctx, const storage::MembershipRecord& existing, int64_t at) {
  if (!storage::soft_delete_membership(ctx.session, existing.id, at)) return;
  auto after = existing;
  after.deleted_at = earliest(existing.deleted_at, at);
  ctx.audit(existing.organization_id, "organization_membership.deleted", "organization_membership", existing.id,
            describe(existing), describe(after));
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
          ctx.audit(organization.id, "organization_membership.deleted", "organization_membership", other->id,
                    describe(*other), describe(after));
        } else {
          next.deleted_at = other_created;
        }
      }
    }
    storage::insert_membership(ctx.session, next);
    ctx.audit(organization.id, "organization_membership.created", "organization_membership", next.id, nullptr,
              describe(next));
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
      ctx.audit(organization.id, "organization_membership.updated", "organization_membership", next.id,
                describe(*existing), describe(next));
    }
  }
  if (deleted_at) soft_delete_membership(ctx, *existing, *deleted_at);
}

// ---- sessions ---------------------------------------------------------------------------------

json describe(const storage::ClerkSessionState& state, const std::string& clerk_session_id) {
  return {{"clerk_session_id", clerk_session_id},
          {"organization_id", optional_json(state.organization_id)},
          {"status", optional_json(state.clerk_status)},
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
      ctx.audit(next.organization_id, next.revoked_at ? "session.revoked" : "session.created", "session", next.id,
                nullptr, describe(next, data.clerk_id));
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
  ctx.audit(next.organization_id, ended_now ? "session.revoked" : "session.updated", "session", next.id,
            describe(*existing, data.clerk_id), describe(next, data.clerk_id));
}

}  // namespace

int apply_clerk_event(Session& session, const RoleMap& roles, const ClerkActor& actor, const ClerkEvent& event,
                      int64_t fallback_timestamp, std::vector<std::string>* actions) {
  ApplyContext ctx{session, roles, actor, actions};
  int64_t at = event.timestamp.value_or(fallback_timestamp);
  switch (event.kind) {
    case ClerkEventKind::UserUpserted: apply_user(ctx, event.user); break;
    case ClerkEventKind::UserDeleted: delete_user(ctx, event.deleted_id, at); break;
    case ClerkEventKind::OrganizationUpserted: apply_organization(ctx, event.organization); break;
    case ClerkEventKind::OrganizationDeleted: delete_organization(ctx, event.deleted_id, at); break;
    case ClerkEventKind::MembershipUpserted: apply_membership(ctx, event.membership, std::nullopt); break;
    case ClerkEventKind::MembershipDeleted: apply_membership(ctx, event.membership, at); break;
    case ClerkEventKind::SessionChanged: apply_session(ctx, event.session); break;
    case ClerkEventKind::Other: break;
  }
  return ctx.changes;
}

int delete_clerk_membership(Session& session, const RoleMap& roles, const ClerkActor& actor,
                            const std::string& membership_clerk_id, int64_t at, std::vector<std::string>* actions) {
  ApplyContext ctx{session, roles, actor, actions};
  if (auto existing = storage::find_membership_by_clerk_id(session, membership_clerk_id)) {
    soft_delete_membership(ctx, *existing, at);
  }
  return ctx.changes;
}

}  // namespace mcp::domain
