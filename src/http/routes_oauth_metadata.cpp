// OAuth 2.0 protected-resource metadata (RFC 9728) for the MCP endpoints behind the gateway
// (README "MCP clients: OAuth discovery"). MCP clients read the gateway's 401
// (WWW-Authenticate: Bearer resource_metadata="…"), fetch this document, and find Clerk in it.
//
//   GET /.well-known/oauth-protected-resource                          the public base
//   GET /.well-known/oauth-protected-resource/mcp/{server}             <public>/mcp/{server}
//   GET /.well-known/oauth-protected-resource/orgs/{org}/mcp/{server}  <public>/orgs/{org}/mcp/{server}
//
// 404 when MCP_ADMIN_PUBLIC_URL or CLERK_ISSUER is not configured, and for a server that is unknown
// or inactive. Unauthenticated, as RFC 9728 has it; an organization slug is not looked up (that
// would let anyone probe which organizations exist), only checked for shape.
#include <optional>
#include <string>

#include "app/app.h"
#include "domain/gateway_decision.h"
#include "domain/protected_resource.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/database.h"
#include "storage/mcp_server_store.h"

namespace mcp::http {

namespace {

constexpr const char* kWellKnown = "/.well-known/oauth-protected-resource";

nlohmann::json metadata_schema() {
  return {{"type", "object"},
          {"required", {"resource", "authorization_servers", "bearer_methods_supported"}},
          {"properties",
           {{"resource", {{"type", "string"}, {"format", "uri"}}},
            {"authorization_servers", {{"type", "array"}, {"items", {{"type", "string"}, {"format", "uri"}}}}},
            {"bearer_methods_supported", {{"type", "array"}, {"items", {{"const", "header"}}}}},
            {"scopes_supported", {{"type", "array"}, {"items", {{"type", "string"}}}}},
            {"resource_name", {{"type", "string"}}}}}};
}

RouteDoc metadata_doc() {
  RouteDoc doc;
  doc.tag = "oauth";
  doc.response_schema = metadata_schema();
  doc.error_statuses = {404};  // also without path parameters: when the settings are missing
  return doc;
}

// The configured public URL and issuer, or a 404 saying which setting is missing.
bool configured(const app::Config& config, RequestContext& ctx) {
  if (config.public_url && config.clerk_issuer) return true;
  send_problem(ctx.res, 404,
               std::string("No OAuth protected-resource metadata here: set ") +
                   (config.public_url ? "CLERK_ISSUER (or NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY)" : "MCP_ADMIN_PUBLIC_URL") +
                   " to let MCP clients discover how to authenticate.");
  return false;
}

void send_metadata(RequestContext& ctx, const nlohmann::json& document) {
  ctx.res.status = 200;
  // Public, static per configuration; browsers' MCP clients fetch it cross-origin.
  ctx.res.set_header("Cache-Control", "public, max-age=300");
  ctx.res.set_header("Access-Control-Allow-Origin", "*");
  ctx.res.set_content(document.dump(), "application/json");
}

void answer_for_server(app::App& app, RequestContext& ctx, std::optional<std::string> organization_slug) {
  const auto& config = app.config();
  if (!configured(config, ctx)) return;
  const std::string& server_slug = ctx.params.at("server");
  if (!domain::is_server_slug(server_slug) || (organization_slug && !domain::is_server_slug(*organization_slug))) {
    send_problem(ctx.res, 404, "There is no MCP server at this path.");
    return;
  }
  auto server = storage::read_value(app.database(), [&](storage::Transaction& session) {
    return storage::find_mcp_server_by_slug(session, server_slug);
  });
  if (!server || !server->is_active) {
    send_problem(ctx.res, 404, "There is no active MCP server '" + server_slug + "' in the registry.");
    return;
  }
  domain::McpEndpoint endpoint{std::move(organization_slug), server_slug};
  send_metadata(ctx, domain::protected_resource_metadata(*config.public_url, *config.clerk_issuer, endpoint,
                                                         server->name));
}

}  // namespace

void add_oauth_metadata_routes(Router& router, app::App& app) {
  router.add(
      "GET", kWellKnown, "OAuth protected-resource metadata (RFC 9728) of the platform's public base",
      [&app](RequestContext& ctx) {
        const auto& config = app.config();
        if (!configured(config, ctx)) return;
        send_metadata(ctx, domain::platform_resource_metadata(*config.public_url, *config.clerk_issuer));
      },
      metadata_doc());
  router.add(
      "GET", std::string(kWellKnown) + "/mcp/{server}",
      "OAuth protected-resource metadata (RFC 9728) of an MCP server behind the gateway",
      [&app](RequestContext& ctx) { answer_for_server(app, ctx, std::nullopt); }, metadata_doc());
  router.add(
      "GET", std::string(kWellKnown) + "/orgs/{org}/mcp/{server}",
      "OAuth protected-resource metadata (RFC 9728) of an MCP server under an organization-scoped URI",
      [&app](RequestContext& ctx) { answer_for_server(app, ctx, ctx.params.at("org")); }, metadata_doc());
}

}  // namespace mcp::http
