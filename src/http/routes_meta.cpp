// GET /api/openapi.json  the OpenAPI 3.1 document, generated from the route table (it lists itself)
// GET /metrics           Prometheus text exposition 0.0.4; a real database round trip per scrape
#include <memory>
#include <mutex>

#include "app/app.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/database.h"
#include "version.h"

namespace mcp::http {

namespace {

// Every route is registered before the server serves, so the first request sees the final table
// and the document is built once.
struct CachedDocument {
  std::once_flag once;
  std::string body;
};

}  // namespace

void add_meta_routes(Router& router, app::App& app) {
  RouteDoc openapi_doc;
  openapi_doc.tag = "meta";
  openapi_doc.response_schema = {{"type", "object"},
                                 {"required", nlohmann::json::array({"openapi", "info", "paths"})},
                                 {"properties", {{"openapi", {{"type", "string"}}}}}};
  auto cached = std::make_shared<CachedDocument>();
  router.add(
      "GET", "/api/openapi.json", "OpenAPI 3.1 description of every route this server serves",
      [&router, cached](RequestContext& ctx) {
        std::call_once(cached->once, [&] { cached->body = openapi_document(router, kVersion).dump(); });
        ctx.res.set_content(cached->body, "application/json");
      },
      std::move(openapi_doc));

  RouteDoc metrics_doc;
  metrics_doc.tag = "meta";
  metrics_doc.response_content_type = "text/plain";
  metrics_doc.response_schema = {{"type", "string"},
                                 {"description", "Prometheus text exposition format 0.0.4"}};
  router.add(
      "GET", "/metrics", "Prometheus metrics: requests by route pattern, latencies, webhook outcomes, database",
      [&router, &app](RequestContext& ctx) {
        app::HealthReport report = app.check_health();
        ScrapeGauges gauges;
        gauges.database_up = report.healthy;
        gauges.database_ping_seconds = report.latency_ms / 1000;
        gauges.version = kVersion;
        gauges.engine = storage::engine_name(app.database().engine());
        gauges.uptime_seconds = process_uptime_seconds();
        if (report.clerk_sync && report.clerk_sync->last_finished_at) {
          gauges.clerk_sync_finished = true;
          gauges.clerk_sync_finished_at_seconds = static_cast<double>(*report.clerk_sync->last_finished_at) / 1000;
          gauges.clerk_sync_ok = report.clerk_sync->last_outcome == "ok";
          nlohmann::json counts = nlohmann::json::parse(report.clerk_sync->last_counts, nullptr, false);
          if (counts.is_object()) {
            for (const auto& [kind, value] : counts.items()) {
              if (value.is_number()) gauges.clerk_sync_counts.emplace_back(kind, value.get<double>());
            }
          }
        }
        if (const auto* backups = app.backups()) {
          app::BackupStatus status = backups->status();
          gauges.backup = BackupGauges{status.runs,
                                       status.failures,
                                       status.last_ok,
                                       status.last_run_at.value_or(0) / 1000.0,
                                       status.last_success_at.value_or(0) / 1000.0,
                                       status.last_duration_seconds,
                                       status.last_bytes};
        }
        ctx.res.set_header("Cache-Control", "no-store");
        ctx.res.set_content(render_metrics(router.patterns(), gauges), kMetricsContentType);
      },
      std::move(metrics_doc));
}

}  // namespace mcp::http
