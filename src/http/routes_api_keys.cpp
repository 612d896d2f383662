// /api/v1 routes: API keys (being written).
#include "app/app.h"
#include "http/router.h"
#include "http/routes.h"

namespace mcp::http {

void add_api_key_routes(Router& router, app::App& app) {
  (void)router;
  (void)app;
}

}  // namespace mcp::http
