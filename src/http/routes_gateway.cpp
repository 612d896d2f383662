// GET /api/v1/gateway/authorize: forward auth for MCP gateways and reverse proxies (nginx
// auth_request, Traefik ForwardAuth, Caddy forward_auth, Envoy ext_authz;
// README "Gateway authorization"). On every MCP request's path: its own handler (not api_handler), answered
// from app::GatewayAuthorizer's decision cache when it can.
//
//   200 allowed: X-MCP-Organization (absent for a platform-admin key), X-MCP-User (session and access tokens),
//       X-MCP-Role, X-MCP-Server; body {"allowed":true,"organization_id","user_id","role","server","config"}
//   400 no server named (neither ?server= nor a /mcp/SLUG/… or /orgs/ORG/mcp/SLUG/… forwarded URI), a malformed one,
//       forwarded-URI headers that disagree, or a ?server= that names another server than the
//       forwarded URI (which decides when present)
//   401 + WWW-Authenticate: Bearer — no credential; unknown, expired or revoked key; bad or expired
//       token; a token's user not known here. With MCP_ADMIN_PUBLIC_URL and CLERK_ISSUER set, the
//       challenge names the server's protected-resource metadata (resource_metadata="…", RFC 9728
//       §5.1) and, when a credential was refused, error="invalid_token" (RFC 6750 §3.1)
//   403 deleted organization, a credential of another organization than an /orgs/ORG/… URI's, not a
//       member, VIEWER, unknown or inactive server, service not enabled (or disabled) for the organization
//   503 the database cannot be read (a proxy treats it as a denial: fail closed)
#include <array>
#include <memory>
#include <optional>
#include <string>

#include "app/app.h"
#include "app/gateway_authorizer.h"
#include "domain/gateway_decision.h"
#include "domain/protected_resource.h"
#include "domain/tool_policy.h"
#include "http/api_support.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/errors.h"
#include "util/log.h"

namespace mcp::http {

namespace {

constexpr std::array<const char*, 3> kForwardedUriHeaders = {"X-Forwarded-Uri", "X-Original-URI", "X-Original-URL"};

void deny(Response& res, int status, const std::string& detail, const std::string& challenge = "Bearer") {
  if (status == 401) res.set_header("WWW-Authenticate", challenge);
  res.set_header("Cache-Control", "no-store");
  send_problem(res, status, detail, {{"allowed", false}});
}

// The endpoint (server, and organization for /orgs/{org}/mcp/…) the request is about. A forwarded
// URI (X-Forwarded-Uri, X-Original-URI, X-Original-URL) is the truth when present: it is the request
// the proxy routes, while ?server= may be the client's own query string passed through (Caddy's
// forward_auth does), so a ?server= naming another server is refused rather than believed. Each
// forwarded header present must name the same endpoint. Without one, ?server=. Sends 400 and
// returns nullopt when there is none, it is malformed, or they disagree.
std::optional<domain::McpEndpoint> requested_endpoint(const Request& req, Response& res) {
  std::optional<domain::McpEndpoint> found;
  const char* found_in = nullptr;
  for (const char* header : kForwardedUriHeaders) {
    if (!req.has_header(header)) continue;
    const std::string& uri = req.get_header_value(header);
    if (uri.empty()) continue;
    auto endpoint = domain::mcp_endpoint_from_uri(uri);
    if (!endpoint) {
      deny(res, 400, std::string(header) +
                         " is not of the form /mcp/SLUG/… or /orgs/ORG/mcp/SLUG/… (or has dot segments or encoded "
                         "slashes): no MCP server can be told from it.");
      return std::nullopt;
    }
    if (found && *found != *endpoint) {
      deny(res, 400, std::string(found_in) + " and " + header + " name different MCP endpoints.");
      return std::nullopt;
    }
    found = std::move(endpoint);
    found_in = header;
  }
  const bool has_server_param = req.has_param("server") && !req.get_param_value("server").empty();
  if (found) {
    if (has_server_param && req.get_param_value("server") != found->server_slug) {
      deny(res, 400, std::string("?server= names another MCP server than ") + found_in +
                         " (the request's own URI, which decides): drop ?server= from the proxy's auth request.");
      return std::nullopt;
    }
    return found;
  }
  if (has_server_param) {
    const std::string& slug = req.get_param_value("server");
    if (domain::is_server_slug(slug)) return domain::McpEndpoint{std::nullopt, slug};
    deny(res, 400, "server must be an MCP server's slug: 1 to 128 of the characters A-Z a-z 0-9 . _ ~ -.");
    return std::nullopt;
  }
  deny(res, 400,
       "No MCP server given: pass ?server=SLUG, or forward the request's URI (/mcp/SLUG/…) in X-Forwarded-Uri, "
       "X-Original-URI or X-Original-URL.");
  return std::nullopt;
}

// What the request the proxy asks about is: Mcp-Method / Mcp-Name (MCP 2026-07-28 clients send them
// on every POST; a proxy's auth subrequest passes the client's headers on) and the client's HTTP
// method when the proxy names it. Sends 400 and returns nullopt for a header value that decodes to
// nothing usable.
std::optional<domain::McpRequestFacts> requested_mcp_call(const Request& req, Response& res) {
  domain::McpRequestFacts facts;
  for (auto [header, field] : {std::pair{"Mcp-Method", &facts.mcp_method}, std::pair{"Mcp-Name", &facts.mcp_name}}) {
    if (!req.has_header(header)) continue;
    *field = domain::decode_mcp_header_value(req.get_header_value(header));
    if (!*field || (*field)->empty()) {
      deny(res, 400, std::string(header) + " must be visible ASCII, or \"=?base64?…?=\" holding UTF-8 (MCP 2026-07-28).");
      return std::nullopt;
    }
  }
  for (const char* header : {"X-Original-Method", "X-Forwarded-Method"}) {
    if (req.has_header(header) && !req.get_header_value(header).empty()) {
      facts.http_method = req.get_header_value(header);
      break;
    }
  }
  return facts;
}

// The 200 body, with the method and name decided on when the request named them.
// On every gateway request: built by appending to the cached body, not through a JSON tree.
std::string allowed_body(const std::string& body, const domain::McpRequestFacts& call) {
  if (!call.mcp_method && !call.mcp_name) return body;
  auto value = [](const std::optional<std::string>& text) {
    return text ? nlohmann::json(*text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                : std::string("null");
  };
  // body is a serialized object: the members go in before its closing brace.
  std::string out;
  out.reserve(body.size() + 32 + call.mcp_method.value_or("").size() + call.mcp_name.value_or("").size());
  out.append(body, 0, body.size() - 1);
  out.append(",\"method\":").append(value(call.mcp_method));
  out.append(",\"name\":").append(value(call.mcp_name));
  out.push_back('}');
  return out;
}

nlohmann::json response_schema() {
  nlohmann::json nullable_string = {{"type", nlohmann::json::array({"string", "null"})}};
  return {{"type", "object"},
          {"required", {"allowed", "organization_id", "user_id", "role", "server", "config"}},
          {"properties",
           {{"allowed", {{"type", "boolean"}, {"const", true}}},
            {"organization_id", {{"type", nlohmann::json::array({"string", "null"})},
                                 {"description", "internal id; null for a platform-admin key"}}},
            {"user_id", {{"type", nlohmann::json::array({"string", "null"})},
                         {"description", "internal id when the credential is a user's session token"}}},
            {"role", {{"type", "string"}, {"enum", {"ADMIN", "MEMBER", "VIEWER", "PLATFORM_ADMIN"}}}},
            {"server", {{"type", "string"}, {"description", "the MCP server's slug"}}},
            {"method", {{"type", nlohmann::json::array({"string", "null"})},
                        {"description", "the Mcp-Method decided on; present only when the request had Mcp-Method or Mcp-Name"}}},
            {"name", {{"type", nlohmann::json::array({"string", "null"})},
                      {"description", "the Mcp-Name decided on; present only when the request had Mcp-Method or Mcp-Name"}}},
            {"config", {{"type", "object"}, {"description", "the organization's configuration of the service"}}}}}};
}

}  // namespace

void add_gateway_routes(Router& router, app::App& app) {
  app::GatewayAuthorizer::Options options;
  options.public_url = app.config().public_url;
  options.allow_missing_audience = app.config().oauth_allow_missing_audience;
  auto authorizer = std::make_shared<app::GatewayAuthorizer>(app.database(), app.usage(),
                                                             app.authenticator().jwt_verifier(), options);

  RouteDoc doc;
  doc.tag = "gateway";
  doc.authenticated = true;
  doc.api_key_header = true;
  doc.query = {{"server", "string",
                "The MCP server's slug. Without it, taken from X-Forwarded-Uri, X-Original-URI or X-Original-URL "
                "of the form /mcp/SLUG/… or /orgs/ORG/mcp/SLUG/… (which names the organization too)"}};
  doc.success_status = 200;
  doc.response_schema = response_schema();
  doc.error_statuses = {400, 503};
  doc.response_headers = {
      {"X-MCP-Organization", "The organization's internal id; absent for a platform-admin key", false},
      {"X-MCP-User", "The user's internal id; only when the credential is a user's (a Clerk session or access token)", false},
      {"X-MCP-Role", "PLATFORM_ADMIN, ADMIN, MEMBER or VIEWER (a VIEWER only discovers: its tool calls are 403)"},
      {"X-MCP-Server", "The MCP server's slug"},
  };

  router.add(
      "GET", "/api/v1/gateway/authorize",
      "Forward auth: may this credential use this MCP server? 200 with X-MCP-* headers, else 401/403 (cached ≤ 500 ms)",
      [authorizer, &app](RequestContext& ctx) {
        auto endpoint = requested_endpoint(ctx.req, ctx.res);
        if (!endpoint) return;
        auto call = requested_mcp_call(ctx.req, ctx.res);
        if (!call) return;
        std::string credential = presented_credential(ctx.req);
        std::shared_ptr<const app::GatewayOutcome> outcome;
        try {
          outcome = authorizer->authorize(credential, *endpoint);
        } catch (const storage::Conflict&) {
          deny(ctx.res, 503, "A concurrent change got in the way; retry the request.");
          return;
        } catch (const storage::Unavailable& e) {
          util::log_error("database unavailable", {{"path", ctx.req.path}, {"error", e.what()},
                                                   {"request_id", ctx.res.get_header_value("X-Request-Id")}});
          deny(ctx.res, 503, "The database is unavailable right now; retry later.");
          return;
        }
        if (outcome->status != 200) {
          // An MCP client without a credential follows resource_metadata to find where to get one;
          // the URL is the one the metadata route serves (only when both settings are there).
          const auto& config = app.config();
          std::optional<std::string> metadata_url;
          if (config.public_url && config.clerk_issuer) {
            metadata_url = domain::resource_metadata_url(*config.public_url, *endpoint);
          }
          deny(ctx.res, outcome->status, outcome->detail, domain::bearer_challenge(metadata_url, !credential.empty()));
          return;
        }
        domain::ToolDecision tool = domain::decide_tool_access(outcome->role, outcome->tool_policy, *call);
        if (!tool.allowed) {
          deny(ctx.res, 403, tool.detail);
          return;
        }
        Response& res = ctx.res;
        if (!outcome->organization_id.empty()) res.set_header("X-MCP-Organization", outcome->organization_id);
        if (!outcome->user_id.empty()) res.set_header("X-MCP-User", outcome->user_id);
        res.set_header("X-MCP-Role", outcome->role);
        res.set_header("X-MCP-Server", outcome->server);
        res.set_header("Cache-Control", "no-store");
        res.status = 200;
        res.set_content(allowed_body(outcome->body, *call), "application/json");
      },
      std::move(doc));
}

}  // namespace mcp::http
