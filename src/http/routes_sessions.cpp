// /api/v1/sessions: a user's session and its active organization (README "Sessions and the active organization").
//
//   POST   /api/v1/sessions        create or update: a Clerk user their own (by the token's sid);
//                                  an ADMIN key for members of its organization; a platform key for anyone.
//                                  A clerk_session_id is bound (a row created for it) only by its own
//                                  token or the platform; an ADMIN key may update a row already bound
//   GET    /api/v1/sessions        own sessions; an ADMIN's organization's; a platform key all
//   DELETE /api/v1/sessions/{id}   revoke
//
// Who may create, update, bind or revoke which session is domain/sessions.h's (the use case): these
// handlers read the request, call it in one write transaction and answer its refusals.
//
// The authenticator reads a session's organization_id as the user's active organization when their
// token carries no organization claim: switching here is what moves a Clerk user between
// organizations for every later request. Holding a session grants nothing by itself: the role is
// always the user's live membership in that organization, read on each request.
#include "app/app.h"
#include "domain/audit_trail.h"
#include "domain/authorization.h"
#include "domain/sessions.h"
#include "http/api_support.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/database.h"
#include "storage/identity_store.h"
#include "storage/session_store.h"
#include "util/time.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

constexpr const char* kNoSuchSession = "There is no such session.";
constexpr const char* kNoSuchOrganization = "There is no such organization.";
// The longest expires_in / expires_at: ten years.
constexpr int64_t kMaxLifetimeMs = int64_t{3660} * 24 * 3600 * 1000;

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

// What a POST asks for. An id that cannot name anything is marked so (is_plausible_id): the use
// case answers it as an unknown one, in its turn among its other refusals, without a lookup.
domain::SessionChange read_change(const Request& req, int64_t now_ms) {
  JsonBody body(req, {"user_id", "organization_id", "clerk_session_id", "metadata", "expires_in", "expires_at"});
  domain::SessionChange change;
  change.user_id = body.string("user_id", false, 128);
  change.user_id_plausible = !change.user_id || is_plausible_id(*change.user_id);
  change.organization_given = body.has("organization_id");
  change.organization_id = body.string("organization_id", false, 128, true);
  change.organization_id_plausible = !change.organization_id || is_plausible_id(*change.organization_id);
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

// A refused session change as the API answers it: the domain's message with its status.
[[noreturn]] void answer_refusal(const domain::SessionRefused& refusal) {
  using Reason = domain::SessionRefused::Reason;
  if (refusal.reason() == Reason::UserRequired) throw_field_error("user_id", refusal.what());
  int status = 404;
  switch (refusal.reason()) {
    case Reason::NoSessionId: status = 400; break;
    case Reason::NotAllowed: status = 403; break;
    case Reason::OtherUsersSession:
    case Reason::Revoked: status = 409; break;
    case Reason::UserRequired:  // answered above, naming the field
    case Reason::NoSuchUser:
    case Reason::NoSuchOrganization:
    case Reason::NoSuchSession: break;
  }
  throw ApiError(status, refusal.what());
}

void create_or_update_session(ApiRequest& r) {
  domain::SessionChange change = read_change(r.ctx.req, r.now_ms);
  domain::UpsertedSession result = storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    domain::AuditTrail trail(session, r.audit_actor());
    try {
      return domain::upsert_session(trail, r.principal, change, r.now_ms);
    } catch (const domain::SessionRefused& refusal) {
      answer_refusal(refusal);
    }
  });
  r.send(result.created ? 201 : 200, domain::session_view(result.record));
}

void list_sessions(ApiRequest& r) {
  const domain::Principal& principal = r.principal;
  PageRequest page = read_page(r.ctx.req);
  auto user_filter = query_param(r.ctx.req, "user_id", 128);
  auto organization_filter = query_param(r.ctx.req, "organization_id", 128);
  bool is_user = principal.kind == domain::Principal::Kind::User;
  if (!principal.platform_admin && !is_user) domain::authorize(principal, domain::Permission::Manage, principal.organization_id);

  json rows = storage::read_value(r.app.database(), [&](storage::Transaction& db) -> json {
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
      out.push_back(domain::session_view(record));
    }
    return out;
  });
  r.send(200, page_response(std::move(rows), page));
}

void revoke_session(ApiRequest& r) {
  const std::string& id = r.param("id");
  // Refused before any lookup, as a session that does not exist: it could not name one.
  if (!is_plausible_id(id)) throw ApiError(404, kNoSuchSession);
  storage::write_value(r.app.database(), [&](storage::Transaction& session) {
    domain::AuditTrail trail(session, r.audit_actor());
    try {
      return domain::revoke_session(trail, r.principal, id, r.now_ms);
    } catch (const domain::SessionRefused& refusal) {
      answer_refusal(refusal);
    }
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
