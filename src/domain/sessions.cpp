#include "domain/sessions.h"

#include <algorithm>

#include "domain/authorization.h"
#include "storage/errors.h"
#include "storage/identity_store.h"
#include "util/nullable_json.h"

namespace mcp::domain {

namespace {

using Reason = SessionRefused::Reason;

constexpr const char* kNoSuchSession = "There is no such session.";
constexpr const char* kNoSuchOrganization = "There is no such organization.";
constexpr const char* kNoSuchUser = "There is no such user.";
constexpr const char* kRevoked = "This session has been revoked; a new Clerk session (sign in again) starts a new one.";

// Which organization's audit trail an update of a session belongs to. A switch from one
// organization to another names both in its before/after: filed under either, that organization's
// ADMINs would read the other's id (and the session's metadata there), so it is a platform-level row
// (organization_id NULL). Otherwise the organization it is in (or was in, when cleared).
std::optional<std::string> audit_organization_of_update(const std::optional<std::string>& before,
                                                        const std::optional<std::string>& after) {
  if (before && after && *before != *after) return std::nullopt;
  return after ? after : before;
}

// The user the session is for, live: by internal or Clerk id.
storage::UserRecord live_user(storage::Transaction& session, const std::string& id, bool plausible = true) {
  auto user = plausible ? storage::find_user_by_any_id(session, id) : std::nullopt;
  if (!user || user->deleted_at) throw SessionRefused(Reason::NoSuchUser, kNoSuchUser);
  return *user;
}

// The organization to switch to: live, and the user a live member of it. Both failures are the
// same refusal: for that user the organization does not exist.
std::string organization_for(storage::Transaction& session, const std::string& id, bool plausible,
                             const std::string& user_id) {
  auto organization = plausible ? storage::find_organization_by_any_id(session, id) : std::nullopt;
  if (!organization || organization->deleted_at || !storage::find_live_membership(session, organization->id, user_id)) {
    throw SessionRefused(Reason::NoSuchOrganization,
                         "There is no such organization for this user (switching needs a live membership).");
  }
  return organization->id;
}

// Whether the principal may change / revoke the session: its own user, an ADMIN (key or user) of
// the session's organization, a platform admin. Anyone else's session does not exist for them
// (also for a MEMBER of the same organization: other members' sessions are not theirs to see).
void authorize_session(const Principal& principal, const storage::SessionRecord& record) {
  if (principal.platform_admin) return;
  if (principal.user_id && *principal.user_id == record.user_id) return;
  bool organization_admin = record.organization_id && principal.organization_id &&
                            *principal.organization_id == *record.organization_id && principal.role == "ADMIN";
  if (!organization_admin) throw SessionRefused(Reason::NoSuchSession, kNoSuchSession);
}

// What the principal alone decides, before anything is read: a Clerk user's session is the one of
// their token; an organization's key acts in its own organization and names the user.
void check_principal(const Principal& principal, SessionChange& change) {
  if (principal.kind == Principal::Kind::User) {
    if (!principal.clerk_session_id) {
      throw SessionRefused(Reason::NoSessionId,
                           "The token has no session id (sid): there is no session to create or update (an OAuth "
                           "access token belongs to an MCP client, not to a Clerk session).");
    }
    if (change.clerk_session_id && *change.clerk_session_id != *principal.clerk_session_id) {
      throw SessionRefused(Reason::NotAllowed, "A Clerk user creates or updates only the session of their own token.");
    }
    change.clerk_session_id = principal.clerk_session_id;
    return;
  }
  if (!principal.platform_admin) {
    authorize(principal, Permission::Manage, principal.organization_id);
    if (!change.organization_given) {
      change.organization_given = true;
      change.organization_id = principal.organization_id;
    } else if (!change.organization_id) {
      throw SessionRefused(Reason::NotAllowed, "An organization's API key creates sessions in its own organization.");
    }
  }
  if (!change.user_id) throw SessionRefused(Reason::UserRequired, "is required (the user the session is for)");
}

// The user the session is for: the token's own, or the one an API key names (who must be visible to it).
storage::UserRecord user_for(storage::Transaction& session, const Principal& principal, const SessionChange& change) {
  if (principal.kind != Principal::Kind::User) {
    storage::UserRecord user = live_user(session, *change.user_id, change.user_id_plausible);
    if (!principal.platform_admin && !storage::find_live_membership(session, *principal.organization_id, user.id)) {
      throw SessionRefused(Reason::NoSuchUser, kNoSuchUser);
    }
    return user;
  }
  storage::UserRecord user = live_user(session, *principal.user_id);
  if (change.user_id) {
    storage::UserRecord named = live_user(session, *change.user_id, change.user_id_plausible);
    if (named.id != user.id) {
      // Someone of the user's own organization is refused as such; anyone else does not exist for them.
      bool visible = principal.organization_id &&
                     storage::find_live_membership(session, *principal.organization_id, named.id).has_value();
      if (!visible) throw SessionRefused(Reason::NoSuchUser, kNoSuchUser);
      throw SessionRefused(Reason::NotAllowed, "A Clerk user creates or updates only their own session.");
    }
  }
  return user;
}

}  // namespace

nlohmann::json session_view(const storage::SessionRecord& record) {
  return {{"id", record.id},
          {"user_id", record.user_id},
          {"organization_id", util::nullable_text(record.organization_id)},
          {"clerk_session_id", util::nullable_text(record.clerk_session_id)},
          {"metadata", record.metadata},
          {"expires_at", util::nullable_time(record.expires_at)},
          {"last_active_at", util::nullable_time(record.last_active_at)},
          {"revoked_at", util::nullable_time(record.revoked_at)},
          {"created_at", util::nullable_time(record.created_at)},
          {"updated_at", util::nullable_time(record.updated_at)}};
}

UpsertedSession upsert_session(AuditTrail& trail, const Principal& principal, SessionChange change, int64_t now_ms) {
  check_principal(principal, change);
  storage::Transaction& session = trail.session();
  bool is_user = principal.kind == Principal::Kind::User;
  storage::UserRecord user = user_for(session, principal, change);

  std::optional<std::string> organization_id;
  if (change.organization_id) {
    organization_id = organization_for(session, *change.organization_id, change.organization_id_plausible, user.id);
    if (!principal.platform_admin && !is_user) {
      authorize(principal, Permission::Manage, organization_id, kNoSuchOrganization);
    }
  }

  std::optional<storage::SessionRecord> existing;
  if (change.clerk_session_id) existing = storage::find_session_by_clerk_session_id(session, *change.clerk_session_id);
  if (!existing && change.clerk_session_id && !is_user && !principal.platform_admin) {
    // Binding a Clerk session id says "this sid is that user's": only the user's own token (whose
    // sid it is) or the platform may say so. An ADMIN key that could would bind anyone's sid, even
    // another tenant's user's, to its member, and that user's own session would never resolve.
    throw SessionRefused(Reason::NotAllowed,
                         "Binding a Clerk session (clerk_session_id) takes that session's own token (its sid) or the "
                         "platform admin; an organization's API key creates sessions without one, or updates a "
                         "session already bound.");
  }
  if (!existing) {
    storage::SessionRecord record;
    record.user_id = user.id;
    record.organization_id = organization_id;
    record.clerk_session_id = change.clerk_session_id;
    record.metadata = change.metadata.value_or(nlohmann::json::object());
    record.expires_at = change.expires_at;
    record.last_active_at = now_ms;
    if (storage::insert_session_if_absent(session, record)) {
      trail.record(record.organization_id, audit_action::kSessionCreated, audit_target::kSession, record.id, nullptr,
                   session_view(record));
      return {record, true};
    }
    // Another request (another instance) created this Clerk session's row just now.
    existing = storage::find_session_by_clerk_session_id(session, *change.clerk_session_id);
    if (!existing) throw storage::Conflict("session row vanished during upsert");
  }
  if (existing->user_id != user.id) {
    throw SessionRefused(Reason::OtherUsersSession, "That Clerk session (clerk_session_id) belongs to another user.");
  }
  if (!is_user) authorize_session(principal, *existing);
  if (existing->revoked_at) throw SessionRefused(Reason::Revoked, kRevoked);

  storage::SessionRecord updated = *existing;
  if (change.organization_given) updated.organization_id = organization_id;
  if (change.metadata) updated.metadata = *change.metadata;
  if (change.expiry_given) updated.expires_at = change.expires_at;
  updated.last_active_at = now_ms;
  updated.updated_at = std::max(now_ms, existing->updated_at);
  // Revoked between the read and the write (Clerk's session event, another instance).
  if (!storage::update_session(session, updated)) throw SessionRefused(Reason::Revoked, kRevoked);
  trail.record(audit_organization_of_update(existing->organization_id, updated.organization_id),
               audit_action::kSessionUpdated, audit_target::kSession, updated.id, session_view(*existing),
               session_view(updated));
  return {updated, false};
}

bool revoke_session(AuditTrail& trail, const Principal& principal, const std::string& id, int64_t now_ms) {
  storage::Transaction& session = trail.session();
  auto record = storage::find_session(session, id);
  if (!record) throw SessionRefused(Reason::NoSuchSession, kNoSuchSession);
  authorize_session(principal, *record);
  if (record->revoked_at) return false;
  if (!storage::revoke_session(session, record->id, now_ms)) return false;
  storage::SessionRecord after = *record;
  after.revoked_at = now_ms;
  after.updated_at = now_ms;
  trail.record(record->organization_id, audit_action::kSessionRevoked, audit_target::kSession, record->id,
               session_view(*record), session_view(after));
  return true;
}

}  // namespace mcp::domain
