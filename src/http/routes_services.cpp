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
#include "domain/services.h"
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

const char* const kNoOrganization = "There is no such organization.";
const char* const kNoServer = "There is no such MCP server.";

// The live organization of the URL's {id}, or 404.
storage::OrganizationRecord live_organization(storage::Transaction& session, const std::string& id) {
  if (!is_plausible_id(id)) throw ApiError(404, kNoOrganization);
  auto organization = storage::find_organization_by_any_id(session, id);
  if (!organization || organization->deleted_at) throw ApiError(404, kNoOrganization);
  return *organization;
}

storage::McpServerRecord server_or_404(storage::Transaction& session, const std::string& id_or_slug) {
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
  Target target = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
    Target found{live_organization(session, r.param("id")), std::nullopt};
    return found;
  });
  // Before anything about the server: another organization's URLs answer 404 whatever follows.
  domain::authorize(r.principal, permission, target.organization.id, kNoOrganization);
  if (with_server) {
    target.server = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
      return server_or_404(session, r.param("server_id"));
    });
  }
  return target;
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
                    auto services = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
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
                    domain::ServiceChange change{config, enabled.value_or(true), tool_policy};
                    storage::ServiceRecord result;
                    storage::McpServerRecord server;
                    r.app.database().write([&](storage::Transaction& session) {
                      // Again inside the write: either may have gone since they were read.
                      storage::OrganizationRecord organization = live_organization(session, r.param("id"));
                      server = server_or_404(session, r.param("server_id"));
                      domain::AuditTrail trail(session, r.audit_actor());
                      result = domain::put_service(trail, server, organization.id, change, r.now_ms);
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
                    r.app.database().write([&](storage::Transaction& session) {
                      storage::OrganizationRecord organization = live_organization(session, r.param("id"));
                      storage::McpServerRecord server = server_or_404(session, r.param("server_id"));
                      domain::AuditTrail trail(session, r.audit_actor());
                      // Already disabled: nothing to do, 204 again.
                      if (domain::disable_service(trail, server, organization.id, r.now_ms) ==
                          domain::DisableOutcome::NoService) {
                        throw ApiError(404, "The organization has no service for that MCP server.");
                      }
                    });
                    r.send_no_content();
                  }),
      authenticated_doc("services", 204, nullptr, nullptr));
}

}  // namespace mcp::http
