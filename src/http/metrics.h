#pragma once
// The process's metrics, in the Prometheus text exposition format 0.0.4 (GET /metrics).
//
// Recording is on every request's path (the gateway endpoint takes tens of thousands a second),
// so it takes no lock: fixed arrays of relaxed atomic counters indexed by route pattern, method
// and status. The `route` label is the router's pattern (/api/v1/organizations/{id}), never the
// raw path: raw paths are unbounded and may carry ids or secrets.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcp::http {

// Scheduled backups' last run (present only when serve runs them).
struct BackupGauges {
  int64_t runs = 0, failures = 0;
  bool last_ok = false;
  double last_run_timestamp = 0;      // Unix seconds, 0 before the first run
  double last_success_timestamp = 0;  // Unix seconds, 0 before the first good copy
  double last_duration_seconds = 0;
  int64_t last_bytes = 0;
};

// What /metrics measures at scrape time rather than counts.
struct ScrapeGauges {
  bool database_up = false;
  double database_ping_seconds = 0;
  std::string version;
  std::string engine;  // sqlite | postgres
  double uptime_seconds = 0;
  // The last background `clerk sync` (serve --clerk-sync-every), when one finished.
  bool clerk_sync_finished = false;
  double clerk_sync_finished_at_seconds = 0;  // Unix time
  bool clerk_sync_ok = false;
  std::vector<std::pair<std::string, double>> clerk_sync_counts;  // read, applied, unchanged, pruned, …
  std::optional<BackupGauges> backup;
};

// Records one answered request. pattern_index: Router's pattern index, or negative when no
// pattern matched (route="unmatched"). seconds: from the start of routing to the written response.
void record_request(std::string_view method, int pattern_index, int status, double seconds);

// Counts one Clerk webhook delivery by how it was answered: applied, duplicate, ignored, invalid,
// failed, rejected (signature), unavailable (no secret, or storage down). Other names are dropped.
void record_webhook_outcome(std::string_view outcome);

// The front's connection counts: opened/closed keep the open gauge; refused counts connections
// turned away because --max-connections were open; timed_out those closed at a deadline.
void record_connection_opened();
void record_connection_closed();
void record_connection_refused();
void record_connection_timed_out();

// The exposition text of everything recorded so far; patterns names the pattern indexes.
std::string render_metrics(const std::vector<std::string>& patterns, const ScrapeGauges& gauges);

// Seconds since the process started (static initialisation), for mcp_admin_uptime_seconds.
double process_uptime_seconds();

// The Content-Type of render_metrics' text.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace mcp::http
