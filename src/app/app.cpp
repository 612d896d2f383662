#include "app/app.h"

#include <chrono>

#include "storage/errors.h"
#include "util/log.h"

namespace mcp::app {

App::App(Config config, std::unique_ptr<storage::Database> database)
    : config_(std::move(config)), database_(std::move(database)) {}

App::~App() {
  if (database_) database_->close();
}

HealthReport App::check_health() {
  HealthReport report;
  auto start = std::chrono::steady_clock::now();
  try {
    database_->ping();
    report.healthy = true;
  } catch (const std::exception& e) {
    report.healthy = false;
    report.error = e.what();
  }
  report.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace mcp::app
