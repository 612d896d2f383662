#include "http/metrics.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>

namespace mcp::http {

namespace {

// Patterns beyond this many are counted together as route="other" (a route table this big would
// be a bug; the arrays stay fixed so recording never allocates beyond a first-use status block).
constexpr size_t kMaxPatterns = 1024;
constexpr size_t kUnmatchedSlot = kMaxPatterns;     // route="unmatched": no pattern matched the path
constexpr size_t kOverflowSlot = kMaxPatterns + 1;  // route="other"
constexpr size_t kSlots = kMaxPatterns + 2;

// Any other method (the front passes every token method to the router) counts as OTHER.
constexpr std::array<std::string_view, 8> kMethods = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"};

constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;
constexpr size_t kStatusSlots = kMaxStatus - kMinStatus + 2;  // the last one: a status out of range

// Upper bounds of the latency buckets, as numbers and as the exact `le` labels printed.
constexpr std::array<double, 12> kBucketBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1,    2.5};
constexpr std::array<std::string_view, 12> kBucketLabels = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                                                            "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5"};

constexpr std::array<std::string_view, 7> kWebhookOutcomes = {"applied", "duplicate", "ignored",    "invalid",
                                                              "failed",  "rejected",  "unavailable"};

// Request counts of one (route, method) by status; allocated when that pair is first seen, so the
// fixed part of the registry stays small although a status can be any of 500 values.
struct StatusCounters {
  std::array<std::atomic<uint64_t>, kStatusSlots> by_status{};
};

// One route's latency histogram. Buckets are stored non-cumulative (one increment per request)
// and summed at scrape; the count is their total, so _count always equals the +Inf bucket.
struct Histogram {
  std::array<std::atomic<uint64_t>, kBucketBounds.size() + 1> buckets{};  // the last one: above 2.5 s
  std::atomic<uint64_t> sum_ns{0};
};

struct Registry {
  std::array<std::array<std::atomic<StatusCounters*>, kMethods.size()>, kSlots> requests{};
  std::array<Histogram, kSlots> durations{};
  std::array<std::atomic<uint64_t>, kWebhookOutcomes.size()> webhooks{};
  std::atomic<int64_t> connections_open{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> connections_timed_out{0};
};

// Constant-initialised (zeroed, in .bss): usable from any thread at any time, no start-up order.
constinit Registry g_registry;

const std::chrono::steady_clock::time_point g_started = std::chrono::steady_clock::now();

size_t method_index(std::string_view method) {
  for (size_t idx = 0; idx + 1 < kMethods.size(); ++idx) {
    if (kMethods[idx] == method) return idx;
  }
  return kMethods.size() - 1;
}

size_t slot_of(int pattern_index) {
  if (pattern_index < 0) return kUnmatchedSlot;
  return static_cast<size_t>(pattern_index) < kMaxPatterns ? static_cast<size_t>(pattern_index) : kOverflowSlot;
}

std::string_view route_label(size_t slot, const std::vector<std::string>& patterns) {
  if (slot == kUnmatchedSlot) return "unmatched";
  if (slot < patterns.size() && slot < kMaxPatterns) return patterns[slot];
  return "other";
}

// A label value: backslash, double quote and line feed escaped, as the format requires.
void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_number(std::string& out, double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

void append_number(std::string& out, uint64_t value) {
  char buffer[24];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, error == std::errc() ? end : buffer);
}

void append_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void append_requests(std::string& out, const std::vector<std::string>& patterns) {
  append_header(out, "mcp_admin_http_requests_total", "counter",
                "HTTP requests answered, by method, route pattern and status.");
  for (size_t slot = 0; slot < kSlots; ++slot) {
    for (size_t method_idx = 0; method_idx < kMethods.size(); ++method_idx) {
      const StatusCounters* counters = g_registry.requests[slot][method_idx].load(std::memory_order_acquire);
      if (!counters) continue;
      for (size_t status_idx = 0; status_idx < kStatusSlots; ++status_idx) {
        uint64_t count = counters->by_status[status_idx].load(std::memory_order_relaxed);
        if (count == 0) continue;
        out.append("mcp_admin_http_requests_total{method=\"").append(kMethods[method_idx]).append("\",route=\"");
        append_label_value(out, route_label(slot, patterns));
        out.append("\",status=\"");
        if (status_idx + 1 == kStatusSlots) {
          out.append("other");
        } else {
          append_number(out, static_cast<uint64_t>(status_idx + kMinStatus));
        }
        out.append("\"} ");
        append_number(out, count);
        out.append("\n");
      }
    }
  }
}

void append_durations(std::string& out, const std::vector<std::string>& patterns) {
  constexpr std::string_view name = "mcp_admin_http_request_duration_seconds";
  append_header(out, name, "histogram", "Time from routing a request to its written response, by route pattern.");
  for (size_t slot = 0; slot < kSlots; ++slot) {
    const Histogram& histogram = g_registry.durations[slot];
    std::array<uint64_t, kBucketBounds.size() + 1> counts{};
    uint64_t total = 0;
    for (size_t bucket = 0; bucket < counts.size(); ++bucket) {
      counts[bucket] = histogram.buckets[bucket].load(std::memory_order_relaxed);
      total += counts[bucket];
    }
    if (total == 0) continue;
    std::string route;
    append_label_value(route, route_label(slot, patterns));
    uint64_t cumulative = 0;
    for (size_t bucket = 0; bucket < counts.size(); ++bucket) {
      cumulative += counts[bucket];
      out.append(name).append("_bucket{route=\"").append(route).append("\",le=\"");
      out.append(bucket < kBucketLabels.size() ? kBucketLabels[bucket] : std::string_view("+Inf")).append("\"} ");
      append_number(out, cumulative);
      out.append("\n");
    }
    out.append(name).append("_sum{route=\"").append(route).append("\"} ");
    append_number(out, static_cast<double>(histogram.sum_ns.load(std::memory_order_relaxed)) / 1e9);
    out.append("\n");
    out.append(name).append("_count{route=\"").append(route).append("\"} ");
    append_number(out, total);
    out.append("\n");
  }
}

}  // namespace

void record_request(std::string_view method, int pattern_index, int status, double seconds) {
  size_t slot = slot_of(pattern_index);
  std::atomic<StatusCounters*>& cell = g_registry.requests[slot][method_index(method)];
  StatusCounters* counters = cell.load(std::memory_order_acquire);
  if (!counters) {
    // First request of this (route, method): publish a zeroed block; a thread that loses the race
    // uses the winner's. Blocks live as long as the process.
    auto* fresh = new StatusCounters();
    if (cell.compare_exchange_strong(counters, fresh, std::memory_order_acq_rel, std::memory_order_acquire)) {
      counters = fresh;
    } else {
      delete fresh;
    }
  }
  size_t status_idx = status >= kMinStatus && status <= kMaxStatus ? static_cast<size_t>(status - kMinStatus)
                                                                   : kStatusSlots - 1;
  counters->by_status[status_idx].fetch_add(1, std::memory_order_relaxed);

  if (!(seconds > 0)) seconds = 0;  // also NaN
  size_t bucket = 0;
  while (bucket < kBucketBounds.size() && seconds > kBucketBounds[bucket]) ++bucket;
  Histogram& histogram = g_registry.durations[slot];
  histogram.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  histogram.sum_ns.fetch_add(static_cast<uint64_t>(seconds * 1e9), std::memory_order_relaxed);
}

void record_webhook_outcome(std::string_view outcome) {
  for (size_t idx = 0; idx < kWebhookOutcomes.size(); ++idx) {
    if (kWebhookOutcomes[idx] == outcome) {
      g_registry.webhooks[idx].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

void record_connection_opened() { g_registry.connections_open.fetch_add(1, std::memory_order_relaxed); }
void record_connection_closed() { g_registry.connections_open.fetch_sub(1, std::memory_order_relaxed); }
void record_connection_refused() { g_registry.connections_refused.fetch_add(1, std::memory_order_relaxed); }
void record_connection_timed_out() { g_registry.connections_timed_out.fetch_add(1, std::memory_order_relaxed); }
namespace {
void append_gauge(std::string& out, const char* name, const char* type, const char* help, double value) {
  append_header(out, name, type, help);
  out.append(name).append(" ");
  append_number(out, value);
  out.append("\n");
}

void append_backup(std::string& out, const BackupGauges& backup) {
  append_gauge(out, "mcp_admin_backup_runs_total", "counter", "Scheduled backup runs since start.",
               static_cast<double>(backup.runs));
  append_gauge(out, "mcp_admin_backup_failures_total", "counter", "Scheduled backup runs that failed.",
               static_cast<double>(backup.failures));
  append_gauge(out, "mcp_admin_backup_last_success", "gauge", "1 when the last scheduled backup succeeded, 0 when not.",
               backup.last_ok ? 1 : 0);
  append_gauge(out, "mcp_admin_backup_last_run_timestamp_seconds", "gauge",
               "When the last scheduled backup ended (Unix time; 0 before the first).", backup.last_run_timestamp);
  append_gauge(out, "mcp_admin_backup_last_success_timestamp_seconds", "gauge",
               "When the last good scheduled backup was written (Unix time; 0 before the first).",
               backup.last_success_timestamp);
  append_gauge(out, "mcp_admin_backup_last_duration_seconds", "gauge", "Duration of the last scheduled backup.",
               backup.last_duration_seconds);
  append_gauge(out, "mcp_admin_backup_last_size_bytes", "gauge", "Size of the last good scheduled backup.",
               static_cast<double>(backup.last_bytes));
}
}  // namespace

double process_uptime_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - g_started).count();
}

std::string render_metrics(const std::vector<std::string>& patterns, const ScrapeGauges& gauges) {
  std::string out;
  out.reserve(4096);
  append_requests(out, patterns);
  append_durations(out, patterns);

  append_header(out, "mcp_admin_webhook_deliveries_total", "counter",
                "Clerk webhook deliveries, by how they were answered.");
  for (size_t idx = 0; idx < kWebhookOutcomes.size(); ++idx) {
    out.append("mcp_admin_webhook_deliveries_total{outcome=\"").append(kWebhookOutcomes[idx]).append("\"} ");
    append_number(out, g_registry.webhooks[idx].load(std::memory_order_relaxed));
    out.append("\n");
  }

  append_header(out, "mcp_admin_http_connections_open", "gauge", "HTTP connections open now (idle ones included).");
  out.append("mcp_admin_http_connections_open ");
  append_number(out, static_cast<uint64_t>(std::max<int64_t>(0, g_registry.connections_open.load(std::memory_order_relaxed))));
  out.append("\n");
  append_header(out, "mcp_admin_http_connections_refused_total", "counter",
                "Connections refused (503, closed) because --max-connections were open.");
  out.append("mcp_admin_http_connections_refused_total ");
  append_number(out, g_registry.connections_refused.load(std::memory_order_relaxed));
  out.append("\n");
  append_header(out, "mcp_admin_http_connections_timed_out_total", "counter",
                "Connections closed at a deadline: header, body, idle keep-alive or write.");
  out.append("mcp_admin_http_connections_timed_out_total ");
  append_number(out, g_registry.connections_timed_out.load(std::memory_order_relaxed));
  out.append("\n");

  append_header(out, "mcp_admin_database_up", "gauge",
                "1 when the database answered a round trip during this scrape, 0 when not.");
  out.append("mcp_admin_database_up ").append(gauges.database_up ? "1" : "0").append("\n");
  append_header(out, "mcp_admin_database_ping_seconds", "gauge",
                "Duration of this scrape's database round trip (or of the failed attempt).");
  out.append("mcp_admin_database_ping_seconds ");
  append_number(out, gauges.database_ping_seconds);
  out.append("\n");

  append_header(out, "mcp_admin_build_info", "gauge", "Always 1; the labels say which build and storage engine run.");
  out.append("mcp_admin_build_info{version=\"");
  append_label_value(out, gauges.version);
  out.append("\",engine=\"");
  append_label_value(out, gauges.engine);
  out.append("\"} 1\n");

  append_header(out, "mcp_admin_uptime_seconds", "gauge", "Seconds since the process started.");
  out.append("mcp_admin_uptime_seconds ");
  append_number(out, gauges.uptime_seconds);
  out.append("\n");

  if (gauges.clerk_sync_finished) {
    append_header(out, "mcp_admin_clerk_sync_last_run_timestamp_seconds", "gauge",
                  "When the last background clerk sync finished (Unix time), whichever instance ran it.");
    out.append("mcp_admin_clerk_sync_last_run_timestamp_seconds ");
    append_number(out, gauges.clerk_sync_finished_at_seconds);
    out.append("\n");
    append_header(out, "mcp_admin_clerk_sync_last_run_success", "gauge", "1 when the last background clerk sync succeeded.");
    out.append("mcp_admin_clerk_sync_last_run_success ").append(gauges.clerk_sync_ok ? "1" : "0").append("\n");
    append_header(out, "mcp_admin_clerk_sync_last_run_objects", "gauge",
                  "Objects of the last background clerk sync: read, applied, unchanged, pruned, invalid; changes made.");
    for (const auto& [kind, value] : gauges.clerk_sync_counts) {
      out.append("mcp_admin_clerk_sync_last_run_objects{kind=\"");
      append_label_value(out, kind);
      out.append("\"} ");
      append_number(out, value);
      out.append("\n");
    }
  }
  if (gauges.backup) append_backup(out, *gauges.backup);
  return out;
}

}  // namespace mcp::http
