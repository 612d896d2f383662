// /api/v1/audit-logs: the audit trail every change writes (README "Audit logs").
//
//   GET /api/v1/audit-logs?organization_id=&actor_id=&action=&target_id=&since=&until=&limit=&cursor=
//
// Newest first. A platform admin reads every row with any filters; an organization's ADMIN (API key
// or Clerk user) reads its organization's rows only; MEMBER and VIEWER: 403.
#include <algorithm>
#include <cctype>

#include "app/app.h"
#include "domain/audit_trail.h"
#include "domain/authorization.h"
#include "http/api_support.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/audit_store.h"
#include "storage/database.h"
#include "storage/identity_store.h"
#include "util/nullable_json.h"
#include "util/time.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

constexpr const char* kNoSuchOrganization = "There is no such organization.";

json audit_json(const storage::AuditRecord& record) {
  return {{"id", record.id},
          {"organization_id", util::nullable_text(record.organization_id)},
          {"actor_type", record.actor_type},
          {"actor_id", util::nullable_text(record.actor_id)},
          {"action", record.action},
          {"target_type", util::nullable_text(record.target_type)},
          {"target_id", util::nullable_text(record.target_id)},
          {"changes", record.changes},
          {"ip", util::nullable_text(record.ip)},
          {"user_agent", util::nullable_text(record.user_agent)},
          {"request_id", util::nullable_text(record.request_id)},
          {"client_id", util::nullable_text(record.client_id)},
          {"created_at", util::nullable_time(record.created_at)},
          {"updated_at", util::nullable_time(record.updated_at)}};
}

// The audit vocabulary (domain/audit_trail.h), as the schema's and the filter's enum.
json audit_actions_json() {
  json actions = json::array();
  for (std::string_view action : domain::kAuditActions) actions.push_back(action);
  return actions;
}

json audit_schema() {
  json nullable_string = {{"type", json::array({"string", "null"})}};
  json time = {{"type", "string"}, {"format", "date-time"}};
  return {{"type", "object"},
          {"required", json::array({"id", "organization_id", "actor_type", "actor_id", "action", "target_type",
                                    "target_id", "changes", "ip", "user_agent", "request_id", "client_id",
                                    "created_at"})},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"organization_id", nullable_string},
            {"actor_type", {{"type", "string"}, {"enum", json::array({"user", "api_key", "webhook", "system"})}}},
            {"actor_id",
             {{"type", json::array({"string", "null"})},
              {"description", "The user's or API key's id, the webhook delivery's svix-id; null for the system"}}},
            {"action", {{"type", "string"}, {"enum", audit_actions_json()}, {"description", "<thing>.<verb>, one of the audit vocabulary"}}},
            {"target_type", nullable_string},
            {"target_id", nullable_string},
            {"changes", {{"type", "object"}, {"description", "{\"before\":…,\"after\":…}; never a secret"}}},
            {"ip", nullable_string},
            {"user_agent", nullable_string},
            {"request_id", nullable_string},
            {"client_id",
             {{"type", json::array({"string", "null"})},
              {"description", "The OAuth client (an access token's client_id) the change was made through; null for "
                              "API keys and session tokens"}}},
            {"created_at", time},
            {"updated_at", time}}}};
}

// Ids, svix-ids and actions are made of these; anything else cannot match (and is refused rather
// than sent to the database: query strings may carry bytes that are not text).
bool plausible_value(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':';
  });
}

std::optional<std::string> filter_param(const Request& req, const char* name) {
  auto value = query_param(req, name, 128);
  if (value && !plausible_value(*value)) {
    throw ApiError(400, std::string(name) + " must be an id or an action name (letters, digits, _ - . :).");
  }
  return value;
}

std::optional<int64_t> time_param(const Request& req, const char* name) {
  auto value = query_param(req, name, 64);
  if (!value) return std::nullopt;
  auto ms = util::parse_iso8601_ms(*value);
  if (!ms) {
    throw ApiError(400, std::string(name) + " must be an ISO-8601 timestamp such as 2024-01-01T00:00:00Z or "
                                            "2024-01-01T00:00:00.000+02:00.");
  }
  return ms;
}

bool looks_like_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t idx = 0; idx < text.size(); ++idx) {
    bool dash = idx == 8 || idx == 13 || idx == 18 || idx == 23;
    char c = text[idx];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void list_audit_logs(ApiRequest& r) {
  const domain::Principal& principal = r.principal;
  const Request& req = r.ctx.req;
  PageRequest page = read_page(req);
  if (page.after_id && !looks_like_uuid(*page.after_id)) {
    throw ApiError(400, "cursor is not one this server gave out: pass next_cursor from the previous page unchanged.");
  }
  storage::AuditFilter filter;
  auto organization = filter_param(req, "organization_id");
  filter.actor_id = filter_param(req, "actor_id");
  filter.action = filter_param(req, "action");
  filter.target_id = filter_param(req, "target_id");
  filter.since_ms = time_param(req, "since");
  filter.until_ms = time_param(req, "until");
  if (filter.since_ms && filter.until_ms && *filter.since_ms > *filter.until_ms) {
    throw ApiError(400, "since must not be after until.");
  }
  // Without a filter, an organization's credential reads its own organization; it must be ADMIN.
  if (!principal.platform_admin && !organization) {
    domain::authorize(principal, domain::Permission::Manage, principal.organization_id);
    if (!principal.organization_id) throw domain::AccessDenied(403, "This needs an active organization.");
  }

  json rows = storage::read_value(r.app.database(), [&](storage::Transaction& db) {
    if (organization) {
      // Internal or Clerk id; another organization's (or an unknown one) is 404, as for any resource.
      auto found = storage::find_organization_by_any_id(db, *organization);
      if (!found) throw domain::AccessDenied(404, kNoSuchOrganization);
      domain::authorize(principal, domain::Permission::Manage, found->id, kNoSuchOrganization);
      filter.organization_id = found->id;
    } else if (!principal.platform_admin) {
      filter.organization_id = principal.organization_id;
    }
    // Clerk ids name users and organizations as actors and targets; rows hold the internal ids.
    auto internal_id = [&](std::optional<std::string>& id) {
      if (!id) return;
      if (id->rfind("user_", 0) == 0) {
        if (auto user = storage::find_user_by_clerk_id(db, *id)) id = user->id;
      } else if (id->rfind("org_", 0) == 0) {
        if (auto found = storage::find_organization_by_clerk_id(db, *id)) id = found->id;
      }
    };
    internal_id(filter.actor_id);
    internal_id(filter.target_id);
    json out = json::array();
    for (const auto& record : storage::list_audit_logs(db, filter, page.after_id, page.limit + 1)) {
      out.push_back(audit_json(record));
    }
    return out;
  });
  r.send(200, page_response(std::move(rows), page));
}

}  // namespace

void add_audit_log_routes(Router& router, app::App& app) {
  json list = {{"type", "object"},
               {"required", json::array({"data", "next_cursor"})},
               {"properties",
                {{"data", {{"type", "array"}, {"items", audit_schema()}}},
                 {"next_cursor", {{"type", json::array({"string", "null"})}}}}}};
  RouteDoc doc;
  doc.tag = "audit-logs";
  doc.authenticated = true;
  doc.query = {{"organization_id", "string",
                "Only this organization's rows (internal or Clerk id); an ADMIN may name only its own"},
               {"actor_id", "string", "Only rows by this actor (user id or Clerk id, API key id, svix-id)"},
               {"action", "string", "Only this action (the row schema's `action` lists them), e.g. organization.created"},
               {"target_id", "string", "Only rows about this resource (internal id; Clerk ids accepted)"},
               {"since", "string", "ISO-8601: rows created at or after"},
               {"until", "string", "ISO-8601: rows created before"},
               {"limit", "integer", "Page size, 1-200 (default 50)"},
               {"cursor", "string", "next_cursor of the previous page"}};
  doc.response_schema = std::move(list);
  router.add("GET", "/api/v1/audit-logs",
             "List audit log rows, newest first (a platform admin: all; an organization's ADMIN: its organization's)",
             api_handler(app, list_audit_logs), std::move(doc));
}

}  // namespace mcp::http
