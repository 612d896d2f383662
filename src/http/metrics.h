#pragma once
// The process's metrics, in the Prometheus text exposition format 0.0.4 (GET /metrics).
//
// Recording is on every request's path (the gateway endpoint takes tens of thousands a second),
// so it takes no lock: fixed arrays of relaxed atomic counters indexed by route pattern, method
// and status. The `route` label is the router's pattern (/api/v1/organizations/{id}), never the
// raw path: raw paths are unbounded and may carry ids or secrets.
#include <string>
#include <string_view>
#include <vector>

namespace mcp::http {

// What /metrics measures at scrape time rather than counts.
struct ScrapeGauges {
  bool database_up = false;
  double database_ping_seconds = 0;
  std::string version;
  std::string engine;  // sqlite | postgres
  double uptime_seconds = 0;
};

// Records one answered request. pattern_index: Router's pattern index, or negative when no
// pattern matched (route="unmatched"). seconds: from the start of routing to the written response.
void record_request(std::string_view method, int pattern_index, int status, double seconds);

// Counts one Clerk webhook delivery by how it was answered: applied, duplicate, ignored, invalid,
// failed, rejected (signature), unavailable (no secret, or storage down). Other names are dropped.
void record_webhook_outcome(std::string_view outcome);

// The exposition text of everything recorded so far; patterns names the pattern indexes.
std::string render_metrics(const std::vector<std::string>& patterns, const ScrapeGauges& gauges);

// Seconds since the process started (static initialisation), for mcp_admin_uptime_seconds.
double process_uptime_seconds();

// The Content-Type of render_metrics' text.
inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace mcp::http
