// /api/v1 routes: organization services (being written).
#include "app/app.h"
#include "http/router.h"
#include "http/routes.h"

namespace mcp::http {

void add_service_routes(Router& router, app::App& app) {
  (void)router;
  (void)app;
}

}  // namespace mcp::http
