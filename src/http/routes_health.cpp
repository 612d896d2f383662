// GET /api/health        the seed's health shape; 200 healthy, 503 not; a real database round trip
// GET /api/webhooks/test the seed's webhook test shape
#include "app/app.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/database.h"
#include "util/time.h"
#include "version.h"

namespace mcp::http {

namespace {
// GET /api/health's body (the seed's shape; 503 answers the same object with status "error").
nlohmann::json health_schema() {
  nlohmann::json nullable_string = {{"type", {"string", "null"}}};
  return {{"type", "object"},
          {"required", {"status", "timestamp", "database", "environment"}},
          {"properties",
           {{"status", {{"enum", {"ok", "error"}}}},
            {"timestamp", {{"type", "string"}, {"format", "date-time"}}},
            {"database",
             {{"type", "object"},
              {"properties", {{"status", {{"enum", {"healthy", "unhealthy"}}}}, {"connected", {{"type", "boolean"}}}}}}},
            {"environment", {{"type", "string"}}},
            {"error", nullable_string}}}};
}
}  // namespace

void add_health_routes(Router& router, app::App& app) {
  router.add("GET", "/api/health", "Health: a database round trip; 200 healthy, 503 not", [&app](RequestContext& ctx) {
    app::HealthReport report = app.check_health();
    nlohmann::ordered_json body;  // the seed's field order
    body["status"] = report.healthy ? "ok" : "error";
    body["timestamp"] = util::format_iso8601_ms(util::now_ms());
    body["database"] = {{"status", report.healthy ? "healthy" : "unhealthy"},
                        {"connected", report.healthy},
                        {"backend", storage::engine_name(app.database().engine())},
                        {"latency_ms", static_cast<double>(static_cast<int64_t>(report.latency_ms * 1000)) / 1000}};
    body["environment"] = app.config().environment;
    body["version"] = kVersion;
    if (!report.healthy) {
      body["error"] = "Connection failed";
      body["detail"] = report.error;
    }
    ctx.res.status = report.healthy ? 200 : 503;
    ctx.res.set_header("Cache-Control", "no-store");
    ctx.res.set_content(body.dump(), "application/json");
  }, RouteDoc{.tag = "health", .response_schema = health_schema(), .error_statuses = {503}});

  router.add("GET", "/api/webhooks/test", "Webhook test: answers when the server is reachable", [](RequestContext& ctx) {
    nlohmann::ordered_json body = {{"message", "Test webhook endpoint is working"},
                           {"timestamp", util::format_iso8601_ms(util::now_ms())}};
    ctx.res.set_header("Cache-Control", "no-store");
    ctx.res.set_content(body.dump(), "application/json");
  }, RouteDoc{.tag = "health",
              .response_schema = {{"type", "object"},
                                  {"required", {"message", "timestamp"}},
                                  {"properties", {{"message", {{"type", "string"}}},
                                                  {"timestamp", {{"type", "string"}, {"format", "date-time"}}}}}}});
}

}  // namespace mcp::http
