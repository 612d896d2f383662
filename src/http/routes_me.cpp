// GET /api/v1/me  who the presented credential is: a platform admin, or an organization and a role
// (and the user, for a Clerk session token). The admin page asks it once at sign-in to show who is
// signed in and which parts of the console apply; scripts use it to check a key before using it.
#include "app/app.h"
#include "http/api_support.h"
#include "http/identity_json.h"
#include "http/registry_json.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/identity_store.h"
#include "util/nullable_json.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

json me_schema() {
  json nullable_string = {{"type", json::array({"string", "null"})}};
  return {{"type", "object"},
          {"required", json::array({"actor_type", "actor_id", "platform_admin", "role", "organization"})},
          {"properties",
           {{"actor_type", {{"enum", {"api_key", "user"}}}},
            {"actor_id", {{"type", "string"}, {"description", "The API key's id or the user's internal id"}}},
            {"platform_admin", {{"type", "boolean"}}},
            {"role", {{"type", json::array({"string", "null"})}, {"enum", {"ADMIN", "MEMBER", "VIEWER", nullptr}}}},
            {"organization",
             {{"type", json::array({"object", "null"})},
              {"description", "The organization the credential acts for; null for a platform admin"}}},
            {"user_id", nullable_string},
            {"clerk_user_id", nullable_string}}}};
}

void me(ApiRequest& r) {
  const domain::Principal& who = r.principal;
  json organization = nullptr;
  if (who.organization_id) {
    auto found = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
      return storage::find_organization(session, *who.organization_id);
    });
    if (found) organization = organization_json(*found);
  }
  r.send(200, {{"actor_type", who.actor_type()},
               {"actor_id", who.actor_id},
               {"platform_admin", who.platform_admin},
               {"role", who.role.empty() ? json(nullptr) : json(who.role)},
               {"organization", std::move(organization)},
               {"user_id", util::nullable_text(who.user_id)},
               {"clerk_user_id", util::nullable_text(who.clerk_user_id)}});
}

}  // namespace

void add_me_routes(Router& router, app::App& app) {
  router.add("GET", "/api/v1/me", "Who the credential is: platform admin, or organization and role (any credential)",
             api_handler(app, me), authenticated_doc("me", 200, nullptr, me_schema()));
}

}  // namespace mcp::http
