// /api/v1/sessions: a user's session and its active organization (README "Sessions and the active organization").
//
//   POST   /api/v1/sessions        create or update: a Clerk user their own (by the token's sid);
//                                  an ADMIN key for members of its organization; a platform key for anyone.
//                                  A clerk_session_id is bound (a row created for it) only by its own
//                                  token or the platform; an ADMIN key may update a row already bound
//   GET    /api/v1/sessions        own sessions; an ADMIN's organization's; a platform key all
//   DELETE /api/v1/sessions/{id}   revoke
//
// The authenticator reads a session's organization_id as the user's active organization when their
// token carries no organization claim: switching here is what moves a Clerk user between
// organizations for every later request. Holding a session grants nothing by itself: the role is
// always the user's live membership in that organization, read on each request.
#include <algorithm>
#include <cctype>

#include "app/app.h"
#include "domain/audit_trail.h"
#include "domain/authorization.h"
#include "http/api_support.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/database.h"
#include "storage/errors.h"
#include "storage/identity_store.h"
#include "storage/session_store.h"
#include "util/time.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

constexpr const char* kNoSuchSession = "There is no such session.";
constexpr const char* kNoSuchOrganization = "There is no such organization.";
constexpr const char* kNoSuchUser = "There is no such user.";
// The longest expires_in / expires_at: ten years.
constexpr int64_t kMaxLifetimeMs = int64_t{3660} * 24 * 3600 * 1000;

// Which organization's audit trail an update of a session belongs to. A switch from one
// organization to another names both in its before/after: filed under either, that organization's
// ADMINs would read the other's id (and the session's metadata there), so it is a platform-level row
// (organization_id NULL). Otherwise the organization it is in (or was in, when cleared).
std::optional<std::string> audit_organization_of_update(const std::optional<std::string>& before,
                                                        const std::optional<std::string>& after) {
  if (before && after && *before != *after) return std::nullopt;
  return after ? after : before;
}

json session_json(const storage::SessionRecord& record) {
  return {{"id", record.id},
          {"user_id", record.user_id},
          {"organization_id", text_or_null(record.organization_id)},
          {"clerk_session_id", text_or_null(record.clerk_session_id)},
          {"metadata", record.metadata},
          {"expires_at", timestamp_json(record.expires_at)},
          {"last_active_at", timestamp_json(record.last_active_at)},
          {"revoked_at", timestamp_json(record.revoked_at)},
          {"created_at", timestamp_json(record.created_at)},
          {"updated_at", timestamp_json(record.updated_at)}};
}

json session_schema() {
  json nullable_time = {{"type", json::array({"string", "null"})}, {"format", "date-time"}};
  return {{"type", "object"},
          {"required", json::array({"id", "user_id", "organization_id", "clerk_session_id", "metadata", "expires_at",
                                    "last_active_at", "revoked_at", "created_at", "updated_at"})},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"user_id", {{"type", "string"}, {"description", "Internal id of the user"}}},
            {"organization_id",
             {{"type", json::array({"string", "null"})},
              {"description", "The active organization (internal id); null: none"}}},
            {"clerk_session_id", {{"type", json::array({"string", "null"})}, {"description", "Clerk's sid"}}},
            {"metadata", {{"type", "object"}}},
            {"expires_at", nullable_time},
            {"last_active_at", nullable_time},
            {"revoked_at", nullable_time},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}},
            {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
}

// What a POST asks for; each optional is "leave as it is" when absent.
struct SessionChange {
  std::optional<std::string> user_id;           // as sent (internal or Clerk id)
  bool organization_given = false;
  std::optional<std::string> organization_id;   // as sent; nullopt with organization_given: none
  std::optional<std::string> clerk_session_id;
  std::optional<json> metadata;
  bool expiry_given = false;
  std::optional<int64_t> expires_at;            // nullopt with expiry_given: no expiry
};

SessionChange read_change(const Request& req, int64_t now_ms) {
  JsonBody body(req, {"user_id", "organization_id", "clerk_session_id", "metadata", "expires_in", "expires_at"});
  SessionChange change;
  change.user_id = body.string("user_id", false, 128);
  change.organization_given = body.has("organization_id");
  change.organization_id = body.string("organization_id", false, 128, true);
  change.clerk_session_id = body.string("clerk_session_id", false, 128);
  change.metadata = body.object("metadata");
  // As for API keys: expires_in ("12h") or expires_at (ISO-8601), not both; null: no expiry.
  auto expires_in = body.string("expires_in", false, 32, true);
  auto expires_at = body.string("expires_at", false, 64, true);
  change.expiry_given = body.has("expires_in") || body.has("expires_at");
  if (expires_in && expires_at) throw_field_error("expires_at", "give expires_in or expires_at, not both");
  if (expires_in) {
    auto duration = util::parse_duration_ms(*expires_in);
    if (!duration || *duration <= 0) throw_field_error("expires_in", "must be a number and a unit: 30s, 15m, 12h, 90d");
    if (*duration > kMaxLifetimeMs) throw_field_error("expires_in", "must be at most 3660d");
    change.expires_at = now_ms + *duration;
  } else if (expires_at) {
    auto at = util::parse_iso8601_ms(*expires_at);
    if (!at) throw_field_error("expires_at", "must be an ISO-8601 time such as 2030-01-01T00:00:00Z");
    if (*at <= now_ms) throw_field_error("expires_at", "must be in the future");
    if (*at - now_ms > kMaxLifetimeMs) throw_field_error("expires_at", "must be at most ten years from now");
    change.expires_at = at;
  }
  return change;
}

// The user the session is for, live: by internal or Clerk id.
storage::UserRecord live_user(storage::Session& db, const std::string& id) {
  auto user = is_plausible_id(id) ? storage::find_user_by_any_id(db, id) : std::nullopt;
  if (!user || user->deleted_at) throw ApiError(404, kNoSuchUser);
  return *user;
}

// The organization to switch to: live, and the user a live member of it. Both failures are 404:
// for that user the organization does not exist.
std::string organization_for(storage::Session& db, const std::string& id, const std::string& user_id) {
  auto organization = is_plausible_id(id) ? storage::find_organization_by_any_id(db, id) : std::nullopt;
  if (!organization || organization->deleted_at || !storage::find_live_membership(db, organization->id, user_id)) {
    throw ApiError(404, "There is no such organization for this user (switching needs a live membership).");
  }
  return organization->id;
}

// Whether the principal may change / revoke the session: its own user, an ADMIN (key or user) of
// the session's organization, a platform admin. Anyone else's session does not exist for them (404,
// also for a MEMBER of the same organization: other members' sessions are not theirs to see).
void authorize_session(const domain::Principal& principal, const storage::SessionRecord& record) {
  if (principal.platform_admin) return;
  if (principal.user_id && *principal.user_id == record.user_id) return;
  bool organization_admin = record.organization_id && principal.organization_id &&
                            *principal.organization_id == *record.organization_id && principal.role == "ADMIN";
  if (!organization_admin) throw domain::AccessDenied(404, kNoSuchSession);
}

struct Upserted {
  storage::SessionRecord record;
  bool created = false;
};

void create_or_update_session(ApiRequest& r) {
  const domain::Principal& principal = r.principal;
  SessionChange change = read_change(r.ctx.req, r.now_ms);
  bool is_user = principal.kind == domain::Principal::Kind::User;

  if (is_user) {
    if (!principal.clerk_session_id) {
      throw ApiError(400, "The token has no session id (sid): there is no session to create or update (an OAuth access "
                          "token belongs to an MCP client, not to a Clerk session).");
    }
    if (change.clerk_session_id && *change.clerk_session_id != *principal.clerk_session_id) {
      throw ApiError(403, "A Clerk user creates or updates only the session of their own token.");
    }
    change.clerk_session_id = principal.clerk_session_id;
  } else {
    // API keys: a platform admin for anyone; an organization's ADMIN key for its members, in it.
    if (!principal.platform_admin) {
      domain::authorize(principal, domain::Permission::Manage, principal.organization_id);
      if (!change.organization_given) {
        change.organization_given = true;
        change.organization_id = principal.organization_id;
      } else if (!change.organization_id) {
        throw ApiError(403, "An organization's API key creates sessions in its own organization.");
      }
    }
    if (!change.user_id) throw_field_error("user_id", "is required (the user the session is for)");
  }

  Upserted result = storage::write_value(r.app.database(), [&](storage::Session& db) {
    // The user: the token's own, or the one named (who must be visible to the key).
    storage::UserRecord user;
    if (is_user) {
      user = live_user(db, *principal.user_id);
      if (change.user_id) {
        storage::UserRecord named = live_user(db, *change.user_id);
        if (named.id != user.id) {
          // Someone of the user's own organization: 403; anyone else does not exist for them.
          bool visible = principal.organization_id &&
                         storage::find_live_membership(db, *principal.organization_id, named.id).has_value();
          if (!visible) throw ApiError(404, kNoSuchUser);
          throw ApiError(403, "A Clerk user creates or updates only their own session.");
        }
      }
    } else {
      user = live_user(db, *change.user_id);
      if (!principal.platform_admin && !storage::find_live_membership(db, *principal.organization_id, user.id)) {
        throw ApiError(404, kNoSuchUser);
      }
    }
    std::optional<std::string> organization_id;
    if (change.organization_id) {
      organization_id = organization_for(db, *change.organization_id, user.id);
      if (!principal.platform_admin && !is_user) {
        domain::authorize(principal, domain::Permission::Manage, organization_id, kNoSuchOrganization);
      }
    }
    std::optional<int64_t> expires_at = change.expires_at;

    std::optional<storage::SessionRecord> existing;
    if (change.clerk_session_id) existing = storage::find_session_by_clerk_session_id(db, *change.clerk_session_id);
    if (!existing && change.clerk_session_id && !is_user && !principal.platform_admin) {
      // Binding a Clerk session id says "this sid is that user's": only the user's own token (whose
      // sid it is) or the platform may say so. An ADMIN key that could would bind anyone's sid, even
      // another tenant's user's, to its member, and that user's own session would never resolve.
      throw ApiError(403,
                     "Binding a Clerk session (clerk_session_id) takes that session's own token (its sid) or the "
                     "platform admin; an organization's API key creates sessions without one, or updates a session "
                     "already bound.");
    }
    if (!existing) {
      storage::SessionRecord record;
      record.user_id = user.id;
      record.organization_id = organization_id;
      record.clerk_session_id = change.clerk_session_id;
      record.metadata = change.metadata.value_or(json::object());
      record.expires_at = expires_at;
      record.last_active_at = r.now_ms;
      if (storage::insert_session_if_absent(db, record)) {
        storage::insert_audit_log(db, r.audit(domain::audit_action::kSessionCreated, domain::audit_target::kSession, record.id, record.organization_id,
                                              nullptr, session_json(record)));
        return Upserted{record, true};
      }
      // Another request (another instance) created this Clerk session's row just now.
      existing = storage::find_session_by_clerk_session_id(db, *change.clerk_session_id);
      if (!existing) throw storage::Conflict("session row vanished during upsert");
    }
    if (existing->user_id != user.id) {
      throw ApiError(409, "That Clerk session (clerk_session_id) belongs to another user.");
    }
    if (!is_user) authorize_session(principal, *existing);
    if (existing->revoked_at) {
      throw ApiError(409, "This session has been revoked; a new Clerk session (sign in again) starts a new one.");
    }
    storage::SessionRecord updated = *existing;
    if (change.organization_given) updated.organization_id = organization_id;
    if (change.metadata) updated.metadata = *change.metadata;
    if (change.expiry_given) updated.expires_at = expires_at;
    updated.last_active_at = r.now_ms;
    updated.updated_at = std::max(r.now_ms, existing->updated_at);
    if (!storage::update_session(db, updated)) {
      throw ApiError(409, "This session has been revoked; a new Clerk session (sign in again) starts a new one.");
    }
    storage::insert_audit_log(db, r.audit(domain::audit_action::kSessionUpdated, domain::audit_target::kSession, updated.id,
                                          audit_organization_of_update(existing->organization_id, updated.organization_id),
                                          session_json(*existing), session_json(updated)));
    return Upserted{updated, false};
  });
  r.send(result.created ? 201 : 200, session_json(result.record));
}

void list_sessions(ApiRequest& r) {
  const domain::Principal& principal = r.principal;
  PageRequest page = read_page(r.ctx.req);
  auto user_filter = query_param(r.ctx.req, "user_id", 128);
  auto organization_filter = query_param(r.ctx.req, "organization_id", 128);
  bool is_user = principal.kind == domain::Principal::Kind::User;
  if (!principal.platform_admin && !is_user) domain::authorize(principal, domain::Permission::Manage, principal.organization_id);

  json rows = storage::read_value(r.app.database(), [&](storage::Session& db) -> json {
    storage::SessionFilter filter;
    if (organization_filter) {
      auto organization =
          is_plausible_id(*organization_filter) ? storage::find_organization_by_any_id(db, *organization_filter) : std::nullopt;
      if (!organization) throw ApiError(404, kNoSuchOrganization);
      // For keys the organization must be visible; a user may filter their own sessions by an
      // organization they belong to. Any other answers as an unknown one: ids cannot be probed.
      if (!is_user) {
        domain::authorize(principal, domain::Permission::Read, organization->id, kNoSuchOrganization);
      } else if (principal.organization_id != organization->id &&
                 !storage::find_live_membership(db, organization->id, *principal.user_id)) {
        throw ApiError(404, kNoSuchOrganization);
      }
      filter.organization_id = organization->id;
    }
    if (user_filter) {
      auto user = is_plausible_id(*user_filter) ? storage::find_user_by_any_id(db, *user_filter) : std::nullopt;
      if (!user) return json::array();  // a filter that matches no one
      filter.user_id = user->id;
    }
    if (is_user) {
      bool organization_admin = principal.organization_id && principal.role == "ADMIN";
      if (organization_admin && (!filter.organization_id || *filter.organization_id == *principal.organization_id)) {
        // The organization's sessions, and (unfiltered) the admin's own anywhere.
        if (!filter.organization_id) filter.or_user_id = principal.user_id;
        filter.organization_id = principal.organization_id;
      } else if (filter.organization_id) {
        if (filter.user_id && *filter.user_id != *principal.user_id) return json::array();
        filter.user_id = principal.user_id;
      } else {
        filter.or_user_id = principal.user_id;
      }
    } else if (!principal.platform_admin) {
      filter.organization_id = principal.organization_id;
    }
    json out = json::array();
    for (const auto& record : storage::list_sessions(db, filter, page.after_id, page.limit + 1)) {
      out.push_back(session_json(record));
    }
    return out;
  });
  r.send(200, page_response(std::move(rows), page));
}

void revoke_session(ApiRequest& r) {
  const std::string& id = r.param("id");
  bool changed = false;
  storage::write_value(r.app.database(), [&](storage::Session& db) {
    auto record = is_plausible_id(id) ? storage::find_session(db, id) : std::nullopt;
    if (!record) throw ApiError(404, kNoSuchSession);
    authorize_session(r.principal, *record);
    if (record->revoked_at) return false;  // already revoked: nothing to do, nothing to audit
    changed = storage::revoke_session(db, record->id, r.now_ms);
    if (changed) {
      storage::SessionRecord after = *record;
      after.revoked_at = r.now_ms;
      after.updated_at = r.now_ms;
      storage::insert_audit_log(db, r.audit(domain::audit_action::kSessionRevoked, domain::audit_target::kSession, record->id, record->organization_id,
                                            session_json(*record), session_json(after)));
    }
    return changed;
  });
  r.send_no_content();
}

}  // namespace

void add_session_routes(Router& router, app::App& app) {
  json session = session_schema();
  json list = {{"type", "object"},
               {"required", json::array({"data", "next_cursor"})},
               {"properties",
                {{"data", {{"type", "array"}, {"items", session}}},
                 {"next_cursor", {{"type", json::array({"string", "null"})}}}}}};
  json request = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"organization_id",
         {{"type", json::array({"string", "null"})},
          {"description",
           "Organization to make active (internal or Clerk id; the user must be a live member); null: none. "
           "Absent: unchanged (none for a new session; an ADMIN key's own organization)"}}},
        {"metadata", {{"type", "object"}, {"description", "Replaces the session's metadata"}}},
        {"expires_in",
         {{"type", json::array({"string", "null"})},
          {"description",
           "Lifetime of the session's organization context from now: 30s, 15m, 12h, 90d; null: no expiry. "
           "Absent (and no expires_at): unchanged (no expiry for a new session)"}}},
        {"expires_at",
         {{"type", json::array({"string", "null"})},
          {"format", "date-time"},
          {"description", "Instead of expires_in: when the session's organization context ends (ISO-8601)"}}},
        {"user_id",
         {{"type", "string"},
          {"description", "API keys only (required): the user, internal or Clerk id. A Clerk user: themselves"}}},
        {"clerk_session_id",
         {{"type", "string"},
          {"description",
           "The Clerk session (sid) to create or update. A Clerk user: taken from their token. API keys: optional"}}}}}};

  RouteDoc create_doc;
  create_doc.tag = "sessions";
  create_doc.authenticated = true;
  create_doc.request_schema = std::move(request);
  create_doc.success_status = 201;
  create_doc.other_success_statuses = {200};  // the same body when it updated an existing session
  create_doc.response_schema = session;
  create_doc.error_statuses = {409};
  router.add("POST", "/api/v1/sessions",
             "Create (201) or update (200) a session and its active organization; Clerk users upsert by their sid",
             api_handler(app, create_or_update_session), std::move(create_doc));

  RouteDoc list_doc;
  list_doc.tag = "sessions";
  list_doc.authenticated = true;
  list_doc.query = {{"user_id", "string", "Only this user's sessions (internal or Clerk id)"},
                    {"organization_id", "string", "Only sessions in this organization (internal or Clerk id)"},
                    {"limit", "integer", "Page size, 1-200 (default 50)"},
                    {"cursor", "string", "next_cursor of the previous page"}};
  list_doc.response_schema = std::move(list);
  router.add("GET", "/api/v1/sessions",
             "List sessions by id (a user: their own; an ADMIN: its organization's; a platform admin: all)",
             api_handler(app, list_sessions), std::move(list_doc));

  RouteDoc revoke_doc;
  revoke_doc.tag = "sessions";
  revoke_doc.authenticated = true;
  revoke_doc.success_status = 204;
  router.add("DELETE", "/api/v1/sessions/{id}", "Revoke a session: its organization context stops applying (204)",
             api_handler(app, revoke_session), std::move(revoke_doc));
}

}  // namespace mcp::http
