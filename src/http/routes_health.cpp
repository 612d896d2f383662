// GET /api/health        the seed's health shape; 200 healthy, 503 not; a real database round trip
// GET /api/webhooks/test the seed's webhook test shape
#include <filesystem>

#include "app/app.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/database.h"
#include "util/log.h"
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
            {"error", nullable_string},
            {"reason",
             {{"enum", {"unreachable", "busy", "io_error", "disk_full", "read_only", "corrupt", "file_removed",
                        "file_replaced", "closing", "unavailable", "error"}},
              {"description", "when unhealthy: what kind of failure (never where; the log says)"}}},
            {"clerk_sync",
             {{"type", {"object", "null"}},
              {"description", "Present when serve runs background clerk sync (--clerk-sync-every)"}}},
            {"backup",
             {{"type", "object"},
              {"description", "Present when serve runs scheduled backups (--backup-dir)"},
              {"properties",
               {{"status", {{"enum", {"pending", "ok", "failed"}}}},
                {"last_run_at", nullable_string},
                {"last_success_at", nullable_string},
                {"last_file", nullable_string},
                {"last_error", nullable_string},
                {"runs", {{"type", "integer"}}},
                {"failures", {{"type", "integer"}}},
                {"interval_seconds", {{"type", "integer"}}},
                {"keep", {{"type", "integer"}}}}}}}}}};
}

nlohmann::ordered_json time_or_null(const std::optional<int64_t>& at) {
  return at ? nlohmann::ordered_json(util::format_iso8601_ms(*at)) : nlohmann::ordered_json(nullptr);
}

// serve --clerk-sync-every: the last background run, whichever instance ran it (null: none yet).
nlohmann::ordered_json clerk_sync_json(const std::optional<storage::ClerkSyncStatus>& status) {
  if (!status) return nullptr;
  nlohmann::ordered_json body;
  body["last_started_at"] = time_or_null(status->last_started_at);
  body["last_finished_at"] = time_or_null(status->last_finished_at);
  body["outcome"] = status->last_outcome ? nlohmann::ordered_json(*status->last_outcome) : nlohmann::ordered_json("running");
  body["error"] = status->last_error ? nlohmann::ordered_json(*status->last_error) : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json counts = nlohmann::ordered_json::parse(status->last_counts, nullptr, false);
  body["counts"] = counts.is_object() ? counts : nlohmann::ordered_json::object();
  return body;
}

// The scheduled backups' last run (an added field: present only when serve runs them).
nlohmann::ordered_json backup_json(const app::BackupStatus& status) {
  nlohmann::ordered_json body;
  body["status"] = !status.last_run_at ? "pending" : status.last_ok ? "ok" : "failed";
  body["last_run_at"] = time_or_null(status.last_run_at);
  body["last_success_at"] = time_or_null(status.last_success_at);
  // The name only: /api/health is public, the directory layout of the host is not its business.
  std::string file = std::filesystem::path(status.last_file).filename().string();
  body["last_file"] = file.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(file);
  body["last_error"] = status.last_error.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(status.last_error);
  body["runs"] = status.runs;
  body["failures"] = status.failures;
  body["interval_seconds"] = status.interval_ms / 1000;
  body["keep"] = status.keep;
  return body;
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
    if (app.config().clerk_sync_every_ms) body["clerk_sync"] = clerk_sync_json(report.clerk_sync);
    if (const auto* backups = app.backups()) body["backup"] = backup_json(backups->status());
    if (!report.healthy) {
      // Anyone may ask: the body says what kind of failure, never where (host, user, database,
      // file path); that goes to the log.
      body["error"] = "Connection failed";
      body["reason"] = report.reason;
      util::log_warn("health check failed", {{"reason", report.reason}, {"error", report.error},
                                             {"request_id", ctx.res.get_header_value("X-Request-Id")}});
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
