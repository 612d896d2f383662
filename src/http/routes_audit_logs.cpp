// /api/v1 routes: audit logs (being written).
#include "app/app.h"
#include "http/router.h"
#include "http/routes.h"

namespace mcp::http {

void add_audit_log_routes(Router& router, app::App& app) {
  (void)router;
  (void)app;
}

}  // namespace mcp::http
