// /api/v1 routes: an organization's API keys (ADMIN of the organization, or a platform admin).
//   GET    /api/v1/organizations/{id}/api-keys           list, revoked and expired ones included; never a secret
//   POST   /api/v1/organizations/{id}/api-keys           create; 201 with the secret `key`, shown this once
//   DELETE /api/v1/organizations/{id}/api-keys/{key_id}  revoke; 204, again 204 when already revoked
// Platform keys (no organization) are made only by `mcp-admin apikey create --platform` or
// MCP_ADMIN_BOOTSTRAP_KEY, never through the API.
#include "app/app.h"
#include "domain/api_key.h"
#include "domain/api_key_lifecycle.h"
#include "domain/audit_trail.h"
#include "domain/authorization.h"
#include "http/api_support.h"
#include "http/registry_json.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/api_key_store.h"
#include "storage/identity_store.h"
#include "util/time.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxNameLength = 256;
// The furthest expiry accepted: 100 years (also keeps every time representable).
constexpr int64_t kMaxLifetimeMs = int64_t{100} * 365 * 86'400'000;
const char* const kNoOrganization = "There is no such organization.";
const char* const kNoKey = "There is no such API key.";

storage::OrganizationRecord authorized_organization(ApiRequest& r) {
  if (!is_plausible_id(r.param("id"))) throw ApiError(404, kNoOrganization);
  auto organization = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
    return storage::find_organization_by_any_id(session, r.param("id"));
  });
  if (!organization || organization->deleted_at) throw ApiError(404, kNoOrganization);
  domain::authorize(r.principal, domain::Permission::Manage, organization->id, kNoOrganization);
  return *organization;
}

// expires_in ("90d") or expires_at (ISO-8601), not both; nullopt: never expires.
std::optional<int64_t> requested_expiry(const JsonBody& body, int64_t now_ms) {
  auto expires_in = body.string("expires_in", false, 32, true);
  auto expires_at = body.string("expires_at", false, 64, true);
  if (expires_in && expires_at) throw_field_error("expires_at", "give expires_in or expires_at, not both");
  if (expires_in) {
    auto duration = util::parse_duration_ms(*expires_in);
    if (!duration) throw_field_error("expires_in", "must be a number and a unit: 30s, 15m, 12h, 90d");
    if (*duration > kMaxLifetimeMs) throw_field_error("expires_in", "must be at most 36500d");
    return now_ms + *duration;
  }
  if (expires_at) {
    auto at = util::parse_iso8601_ms(*expires_at);
    if (!at) throw_field_error("expires_at", "must be an ISO-8601 time such as 2030-01-01T00:00:00Z");
    if (*at <= now_ms) throw_field_error("expires_at", "must be in the future");
    if (*at - now_ms > kMaxLifetimeMs) throw_field_error("expires_at", "must be at most 100 years from now");
    return at;
  }
  return std::nullopt;
}

json create_schema() {
  return {{"type", "object"},
          {"additionalProperties", false},
          {"required", json::array({"name"})},
          {"properties",
           {{"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", kMaxNameLength}}},
            {"role",
             {{"type", "string"},
              {"enum", {"ADMIN", "MEMBER", "VIEWER"}},
              {"default", "MEMBER"},
              {"description", "At most the creator's own role (a platform admin may give any)"}}},
            {"expires_in",
             {{"type", json::array({"string", "null"})},
              {"pattern", "^[0-9]+[smhd]$"},
              {"description", "Lifetime: 30s, 15m, 12h, 90d (at most 36500d); not with expires_at"}}},
            {"expires_at",
             {{"type", json::array({"string", "null"})},
              {"format", "date-time"},
              {"description", "Expiry time, in the future; not with expires_in. Neither: never expires"}}}}}};
}

json created_schema() {
  json schema = api_key_schema();
  schema["properties"]["key"] = {{"type", "string"}, {"description", "The secret (mcp_sk_…): shown only in this answer"}};
  schema["required"].push_back("key");
  return schema;
}

}  // namespace

void add_api_key_routes(Router& router, app::App& app) {
  router.add(
      "GET", "/api/v1/organizations/{id}/api-keys",
      "The organization's API keys, revoked and expired ones included (ADMIN); never the secret or its hash",
      api_handler(app,
                  [](ApiRequest& r) {
                    storage::OrganizationRecord organization = authorized_organization(r);
                    PageRequest page = read_page(r.ctx.req);
                    auto keys = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
                      return storage::list_api_keys(session, organization.id, page.after_id, page.limit + 1);
                    });
                    json rows = json::array();
                    for (const auto& key : keys) rows.push_back(api_key_json(key));
                    r.send(200, page_response(std::move(rows), page));
                  }),
      authenticated_doc("api-keys", 200, nullptr, page_schema(api_key_schema()), page_query()));

  router.add(
      "POST", "/api/v1/organizations/{id}/api-keys",
      "Create an API key of the organization (ADMIN); 201 with its secret `key`, shown only this once",
      api_handler(app,
                  [](ApiRequest& r) {
                    storage::OrganizationRecord organization = authorized_organization(r);
                    JsonBody body(r.ctx.req, {"name", "role", "expires_in", "expires_at"});
                    std::string name = *clean_text(body.string("name", true, kMaxNameLength), "name");
                    std::string role = body.one_of("role", {"ADMIN", "MEMBER", "VIEWER"}).value_or("MEMBER");
                    std::optional<int64_t> expires_at = requested_expiry(body, r.now_ms);
                    if (!r.principal.platform_admin && domain::role_rank(role) > domain::role_rank(r.principal.role)) {
                      throw domain::AccessDenied(403, "A credential may not create a key with a role above its own (" +
                                                          r.principal.role + ").");
                    }
                    domain::KeyToMint request{organization.id, name, role, expires_at, r.principal.actor_id, r.now_ms};
                    auto minted = storage::write_value(r.app.database(), [&](storage::Transaction& session) {
                      domain::AuditTrail trail(session, r.audit_actor());
                      return domain::mint_api_key(trail, request);
                    });
                    if (!minted) throw ApiError(404, kNoOrganization);  // deleted since it was read
                    const storage::ApiKeyRecord& key = minted->record;
                    json answer = api_key_json(key);
                    answer["key"] = minted->secret.secret;
                    r.ctx.res.set_header("Cache-Control", "no-store");
                    r.send(201, answer);
                  }),
      authenticated_doc("api-keys", 201, create_schema(), created_schema()));

  router.add(
      "DELETE", "/api/v1/organizations/{id}/api-keys/{key_id}",
      "Revoke an API key of the organization (ADMIN); 204, also when it was already revoked",
      api_handler(app,
                  [](ApiRequest& r) {
                    storage::OrganizationRecord organization = authorized_organization(r);
                    r.app.database().write([&](storage::Transaction& session) {
                      std::optional<storage::ApiKeyRecord> key;
                      if (is_plausible_id(r.param("key_id"))) key = storage::find_api_key(session, r.param("key_id"));
                      if (!key || key->organization_id != organization.id) throw ApiError(404, kNoKey);
                      domain::AuditTrail trail(session, r.audit_actor());
                      domain::revoke_api_key(trail, *key, r.now_ms);  // revoking twice changes nothing
                    });
                    r.send_no_content();
                  }),
      authenticated_doc("api-keys", 204, nullptr, nullptr));
}

}  // namespace mcp::http
