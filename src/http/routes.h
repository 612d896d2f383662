#pragma once
// One registration function per resource file; server.cpp calls them all.
namespace mcp::app {
class App;
}

namespace mcp::http {
class Router;

// GET /api/health, GET /api/webhooks/test (the seed's endpoints, shapes fixed).
void add_health_routes(Router& router, app::App& app);

// POST /api/webhooks/clerk (Svix-signed Clerk events).
void add_webhook_routes(Router& router, app::App& app);

// GET /api/openapi.json (generated from the route table), GET /metrics (Prometheus text).
void add_meta_routes(Router& router, app::App& app);

// GET / and GET /assets/{file}: the admin page, from bytes compiled into the binary (web/).
void add_admin_page_routes(Router& router);

// /api/v1 (README "Admin API (`/api/v1`)"): every route authenticates and calls domain::authorize.
void add_organization_routes(Router& router, app::App& app);  // organizations, members
void add_user_routes(Router& router, app::App& app);          // users
void add_mcp_server_routes(Router& router, app::App& app);    // the MCP server registry
void add_service_routes(Router& router, app::App& app);       // organization services with config
void add_api_key_routes(Router& router, app::App& app);       // organization API keys
void add_session_routes(Router& router, app::App& app);       // sessions, active-organization switching
void add_audit_log_routes(Router& router, app::App& app);     // the audit trail
void add_gateway_routes(Router& router, app::App& app);       // forward auth for MCP gateways
void add_me_routes(Router& router, app::App& app);            // who the credential is (the admin page's sign-in)
void add_sign_in_routes(Router& router, app::App& app);       // the admin page's sign-in with Clerk (/auth/…)

// GET /.well-known/oauth-protected-resource[/…]: RFC 9728 metadata for MCP clients (README "MCP clients: OAuth discovery").
void add_oauth_metadata_routes(Router& router, app::App& app);

}  // namespace mcp::http
