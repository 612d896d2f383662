#pragma once
// The application: the configuration and the database every command and route works with.
#include <memory>
#include <string>

#include "app/config.h"
#include "storage/database.h"

namespace mcp::app {

struct HealthReport {
  bool healthy = false;
  std::string error;  // safe to show: why the database is unhealthy
  double latency_ms = 0;
};

class App {
 public:
  App(Config config, std::unique_ptr<storage::Database> database);
  ~App();

  const Config& config() const { return config_; }
  storage::Database& database() { return *database_; }

  // A real round trip to the database, every call.
  HealthReport check_health();

 private:
  Config config_;
  std::unique_ptr<storage::Database> database_;
};

}  // namespace mcp::app
