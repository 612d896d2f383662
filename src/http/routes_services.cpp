// /api/v1 routes: organization services, which MCP servers an organization may use, with its config.
//   GET    /api/v1/organizations/{id}/services              list (VIEWER and up of the organization)
//   PUT    /api/v1/organizations/{id}/services/{server_id}  enable / change config or tool policy (ADMIN); 200
//   DELETE /api/v1/organizations/{id}/services/{server_id}  disable, keeping its config (ADMIN); 204
// {id}: the organization's internal or Clerk id (a deleted organization is 404); {server_id}: the
// MCP server's id or slug.
#include <algorithm>

#include "app/app.h"
#include "domain/audit_trail.h"
#include "domain/authorization.h"
#include "domain/tool_policy.h"
#include "http/api_support.h"
#include "http/registry_json.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/audit_store.h"
#include "storage/errors.h"
#include "storage/identity_store.h"
#include "storage/mcp_server_store.h"
#include "storage/service_store.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

constexpr int kWriteAttempts = 8;
const char* const kNoOrganization = "There is no such organization.";
const char* const kNoServer = "There is no such MCP server.";

// The live organization of the URL's {id}, or 404.
storage::OrganizationRecord live_organization(storage::Session& session, const std::string& id) {
  if (!is_plausible_id(id)) throw ApiError(404, kNoOrganization);
  auto organization = storage::find_organization_by_any_id(session, id);
  if (!organization || organization->deleted_at) throw ApiError(404, kNoOrganization);
  return *organization;
}

storage::McpServerRecord server_or_404(storage::Session& session, const std::string& id_or_slug) {
  auto server = storage::find_mcp_server_by_id_or_slug(session, id_or_slug);
  if (!server) throw ApiError(404, kNoServer);
  return *server;
}

// The organization (authorized for `permission`) and, when the route has one, the server.
struct Target {
  storage::OrganizationRecord organization;
  std::optional<storage::McpServerRecord> server;
};

Target resolve(ApiRequest& r, domain::Permission permission, bool with_server) {
  Target target = storage::read_value(r.app.database(), [&](storage::Session& session) {
    Target found{live_organization(session, r.param("id")), std::nullopt};
    return found;
  });
  // Before anything about the server: another organization's URLs answer 404 whatever follows.
  domain::authorize(r.principal, permission, target.organization.id, kNoOrganization);
  if (with_server) {
    target.server = storage::read_value(r.app.database(), [&](storage::Session& session) {
      return server_or_404(session, r.param("server_id"));
    });
  }
  return target;
}

// enabled: from off (or no row) to on; disabled: from on (or no row) to off; otherwise updated.
std::string_view action_for(const std::optional<storage::ServiceRecord>& before, const storage::ServiceRecord& after) {
  bool was_enabled = before && before->enabled;
  if (after.enabled && (!before || !was_enabled)) return domain::audit_action::kServiceEnabled;
  if (!after.enabled && (!before || was_enabled)) return domain::audit_action::kServiceDisabled;
  return domain::audit_action::kServiceUpdated;
}

}  // namespace

void add_service_routes(Router& router, app::App& app) {
  router.add(
      "GET", "/api/v1/organizations/{id}/services",
      "The organization's services (enabled or not), each with its MCP server and config",
      api_handler(app,
                  [](ApiRequest& r) {
                    Target target = resolve(r, domain::Permission::Read, false);
                    PageRequest page = read_page(r.ctx.req);
                    auto services = storage::read_value(r.app.database(), [&](storage::Session& session) {
                      return storage::list_services_of_organization(session, target.organization.id, page.after_id,
                                                                    page.limit + 1);
                    });
                    json rows = json::array();
                    for (const auto& entry : services) rows.push_back(service_json(entry.service, entry.server));
                    r.send(200, page_response(std::move(rows), page));
                  }),
      authenticated_doc("services", 200, nullptr, page_schema(service_schema()), page_query()));

  router.add(
      "PUT", "/api/v1/organizations/{id}/services/{server_id}",
      "Enable an MCP server for the organization or change its config (ADMIN); 200 with the service",
      api_handler(app,
                  [](ApiRequest& r) {
                    resolve(r, domain::Permission::Manage, true);
                    JsonBody body(r.ctx.req, {"config", "enabled", "tool_policy"});
                    std::optional<json> config = body.object("config");
                    std::optional<bool> enabled = body.boolean("enabled");
                    // Absent: kept; null or the default policy: none stored.
                    std::optional<std::optional<json>> tool_policy;
                    if (body.has("tool_policy")) {
                      try {
                        domain::ToolPolicy policy = domain::parse_tool_policy(body.json().at("tool_policy"));
                        tool_policy.emplace(policy.is_default() ? std::nullopt : std::optional<json>(policy.to_json()));
                      } catch (const domain::InvalidToolPolicy& e) {
                        throw_field_error(e.field().empty() ? "tool_policy" : "tool_policy." + e.field(), e.what());
                      }
                    }
                    storage::ServiceRecord result;
                    storage::McpServerRecord server;
                    r.app.database().write([&](storage::Session& session) {
                      // Again inside the write: either may have gone since they were read.
                      storage::OrganizationRecord organization = live_organization(session, r.param("id"));
                      server = server_or_404(session, r.param("server_id"));
                      for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
                        std::optional<storage::ServiceRecord> before =
                            storage::find_service(session, organization.id, server.id);
                        storage::ServiceRecord after;
                        if (before) {
                          after = *before;
                        } else {
                          after.organization_id = organization.id;
                          after.mcp_server_id = server.id;
                          after.enabled = true;
                        }
                        if (config) after.config = *config;
                        if (tool_policy) after.tool_policy = *tool_policy;
                        // PUT enables (DESIGN.md §4.2): only an explicit "enabled": false keeps it off.
                        after.enabled = enabled.value_or(true);
                        if (before && before->enabled == after.enabled && before->config == after.config &&
                            before->tool_policy == after.tool_policy) {
                          result = *before;  // nothing to change: no write, no audit
                          return;
                        }
                        if (before) {
                          after.updated_at = std::max(r.now_ms, before->updated_at + 1);
                          if (!storage::update_service(session, after, before->updated_at)) continue;
                        } else if (!storage::insert_service_if_absent(session, after)) {
                          continue;  // a concurrent PUT created it: apply this one on top
                        }
                        json before_json = before ? service_json(*before, server) : json(nullptr);
                        storage::insert_audit_log(session, r.audit(action_for(before, after), domain::audit_target::kService,
                                                                   after.id, organization.id, std::move(before_json),
                                                                   service_json(after, server)));
                        result = after;
                        return;
                      }
                      throw storage::Conflict("organization_services: the row kept changing under the update");
                    });
                    r.send(200, service_json(result, server));
                  }),
      authenticated_doc("services", 200, json{{"type", "object"},
                                  {"additionalProperties", false},
                                  {"properties",
                                   {{"config",
                                     {{"type", "object"},
                                      {"description", "The organization's configuration of the server (at most 64 KiB); "
                                                      "absent: kept (new: {})"}}},
                                    {"enabled",
                                     {{"type", "boolean"}, {"description", "absent: true (PUT enables); false stores the config disabled"}}},
                                    {"tool_policy",
                                     {{"anyOf", json::array({tool_policy_schema(), {{"type", "null"}}})},
                                      {"description", "absent: kept; null: the default (every tool the role may call)"}}}}}},
                        service_schema()));

  router.add(
      "DELETE", "/api/v1/organizations/{id}/services/{server_id}",
      "Disable an MCP server for the organization (ADMIN), keeping its config; 204",
      api_handler(app,
                  [](ApiRequest& r) {
                    resolve(r, domain::Permission::Manage, true);
                    r.app.database().write([&](storage::Session& session) {
                      storage::OrganizationRecord organization = live_organization(session, r.param("id"));
                      storage::McpServerRecord server = server_or_404(session, r.param("server_id"));
                      for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
                        auto before = storage::find_service(session, organization.id, server.id);
                        if (!before) throw ApiError(404, "The organization has no service for that MCP server.");
                        if (!before->enabled) return;  // already disabled: nothing to do, 204 again
                        storage::ServiceRecord after = *before;
                        after.enabled = false;
                        after.updated_at = std::max(r.now_ms, before->updated_at + 1);
                        if (!storage::update_service(session, after, before->updated_at)) continue;
                        storage::insert_audit_log(session, r.audit(domain::audit_action::kServiceDisabled,
                                                                   domain::audit_target::kService, after.id, organization.id,
                                                                   service_json(*before, server),
                                                                   service_json(after, server)));
                        return;
                      }
                      throw storage::Conflict("organization_services: the row kept changing under the update");
                    });
                    r.send_no_content();
                  }),
      authenticated_doc("services", 204, nullptr, nullptr));
}

}  // namespace mcp::http
