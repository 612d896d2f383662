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

}  // namespace mcp::http
