#include "app/app.h"

#include <chrono>

#include "storage/errors.h"
#include "util/log.h"

namespace mcp::app {

App::App(Config config, std::unique_ptr<storage::Database> database)
    : config_(std::move(config)), database_(std::move(database)) {
  if (!config_.webhook_secrets.empty()) {
    webhook_verifier_ = std::make_unique<domain::WebhookVerifier>(config_.webhook_secrets);
  }
  webhook_sync_ = std::make_unique<domain::WebhookSync>(*database_, domain::RoleMap(config_.role_map));
  usage_ = std::make_unique<UsageRecorder>(*database_);
  authenticator_ = std::make_unique<Authenticator>(*database_, config_, *usage_);
  if (config_.oauth_client_secret) cookie_seal_ = std::make_unique<domain::CookieSeal>(*config_.oauth_client_secret);
}

App::~App() {
  // Usage counted in memory reaches the database before it closes.
  if (usage_) usage_->stop();
  if (database_) database_->close();
}

HealthReport App::check_health() {
  HealthReport report;
  auto start = std::chrono::steady_clock::now();
  try {
    database_->ping();
    report.healthy = true;
  } catch (const storage::Unavailable& e) {
    report.healthy = false;
    report.error = e.what();
    report.reason = storage::unavailable_reason_name(e.reason());
  } catch (const std::exception& e) {
    report.healthy = false;
    report.error = e.what();
    report.reason = "error";
  }
  report.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (report.healthy && config_.clerk_sync_every_ms) {
    try {
      report.clerk_sync = storage::read_value(
          *database_, [](storage::Transaction& session) { return storage::read_clerk_sync_status(session); });
    } catch (const std::exception&) {
      // The round trip above answered; a failure here only leaves the sync's fields out.
    }
  }
  return report;
}

}  // namespace mcp::app
