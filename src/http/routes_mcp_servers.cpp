// /api/v1 routes: the MCP server registry (being written).
#include "app/app.h"
#include "http/router.h"
#include "http/routes.h"

namespace mcp::http {

void add_mcp_server_routes(Router& router, app::App& app) {
  (void)router;
  (void)app;
}

}  // namespace mcp::http
