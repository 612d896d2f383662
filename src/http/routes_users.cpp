// /api/v1/users: the users Clerk's webhooks keep in sync (read-only here). A platform admin sees
// everyone; an organization's credential sees its organization's members; a user also sees themself.
#include "app/app.h"
#include "domain/authorization.h"
#include "http/api_support.h"
#include "http/identity_json.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/identity_store.h"

namespace mcp::http {

namespace {

using domain::Permission;
using nlohmann::json;

const char* kNoUser = "There is no such user.";

void list_users(ApiRequest& r) {
  domain::authorize(r.principal, Permission::Read, r.principal.organization_id);
  PageRequest page = read_page(r.ctx.req);
  json rows = json::array();
  storage::read_value(r.app.database(), [&](storage::Transaction& session) {
    std::vector<storage::UserRecord> users;
    if (r.principal.platform_admin) {
      bool include_deleted = query_param(r.ctx.req, "include_deleted").value_or("") == "true";
      users = storage::list_users(session, page.after_id, page.limit + 1, include_deleted);
    } else {
      users = storage::list_users_of_organization(session, *r.principal.organization_id, page.after_id, page.limit + 1);
    }
    for (const auto& user : users) rows.push_back(user_json(user));
    return 0;
  });
  r.send(200, page_response(std::move(rows), page));
}

void get_user(ApiRequest& r) {
  auto user = storage::read_value(r.app.database(), [&](storage::Transaction& session) -> std::optional<storage::UserRecord> {
    auto found = storage::find_user_by_any_id(session, r.param("id"));
    if (!found) return std::nullopt;
    if (r.principal.platform_admin || (r.principal.user_id && *r.principal.user_id == found->id)) return found;
    // Anyone else sees the user only as a live member of the credential's organization.
    if (found->deleted_at || !r.principal.organization_id) return std::nullopt;
    if (!storage::find_live_membership(session, *r.principal.organization_id, found->id)) return std::nullopt;
    domain::authorize(r.principal, Permission::Read, r.principal.organization_id, kNoUser);
    return found;
  });
  if (!user) throw ApiError(404, kNoUser);
  r.send(200, user_json(*user));
}

json user_schema() {
  return {{"type", "object"},
          {"properties",
           {{"id", {{"type", "string"}}},
            {"clerk_id", {{"type", "string"}}},
            {"email", {{"type", {"string", "null"}}}},
            {"first_name", {{"type", {"string", "null"}}}},
            {"last_name", {{"type", {"string", "null"}}}},
            {"image_url", {{"type", {"string", "null"}}}},
            {"metadata", {{"type", "object"}}},
            {"last_sign_in_at", {{"type", {"string", "null"}}, {"format", "date-time"}}},
            {"deleted_at", {{"type", {"string", "null"}}, {"format", "date-time"}}},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}},
            {"updated_at", {{"type", "string"}, {"format", "date-time"}}}}}};
}

}  // namespace

void add_user_routes(Router& router, app::App& app) {
  std::vector<QueryParam> query = page_query();
  query.push_back({"include_deleted", "boolean", "platform admin only: include deleted users"});
  router.add("GET", "/api/v1/users", "List users (platform admin: all; otherwise the organization's members)",
             api_handler(app, list_users),
             RouteDoc{.tag = "users", .authenticated = true, .query = query, .response_schema = page_schema(user_schema())});
  router.add("GET", "/api/v1/users/{id}", "Get a user by internal id or Clerk id", api_handler(app, get_user),
             RouteDoc{.tag = "users", .authenticated = true, .response_schema = user_schema()});
}

}  // namespace mcp::http
