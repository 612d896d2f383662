#pragma once
// The application: the configuration and the database every command and route works with.
#include <memory>
#include <string>

#include "app/authenticator.h"
#include "app/backup_schedule.h"
#include "app/config.h"
#include "app/usage_recorder.h"
#include "domain/admin_sign_in.h"
#include "domain/webhook_signature.h"
#include "domain/webhook_sync.h"
#include "storage/clerk_sync_store.h"
#include "storage/database.h"

namespace mcp::app {

struct HealthReport {
  bool healthy = false;
  std::string error;   // for the log only: why, with where (host, user, database, file path)
  std::string reason;  // safe to show anyone: what kind of failure (storage::unavailable_reason_name, or "error")
  double latency_ms = 0;
  // The last background `clerk sync` run (serve --clerk-sync-every, any instance); nullopt: none ran.
  std::optional<storage::ClerkSyncStatus> clerk_sync;
};

class App {
 public:
  App(Config config, std::unique_ptr<storage::Database> database);
  ~App();

  const Config& config() const { return config_; }
  storage::Database& database() { return *database_; }

  // The Clerk webhook verifier; null when no CLERK_WEBHOOK_SECRET is configured.
  const domain::WebhookVerifier* webhook_verifier() const { return webhook_verifier_.get(); }
  domain::WebhookSync& webhook_sync() { return *webhook_sync_; }

  // Credentials → principals (API keys, Clerk session tokens).
  Authenticator& authenticator() { return *authenticator_; }
  // API-key usage, written once a second off the request path.
  UsageRecorder& usage() { return *usage_; }

  // A real round trip to the database, every call.
  HealthReport check_health();

  // Scheduled backups, when serve started them (--backup-dir on SQLite); null otherwise.
  const BackupSchedule* backups() const { return backups_.get(); }
  void set_backups(std::unique_ptr<BackupSchedule> backups) { backups_ = std::move(backups); }

  // The admin page's sign-in with Clerk: the seal of its cookies (set when the OAuth client is
  // configured) and Clerk's token endpoint (set by serve); null when sign-in is off.
  const domain::CookieSeal* cookie_seal() const { return cookie_seal_.get(); }
  domain::OidcTokenEndpoint* token_endpoint() { return token_endpoint_.get(); }
  void set_token_endpoint(std::unique_ptr<domain::OidcTokenEndpoint> endpoint) { token_endpoint_ = std::move(endpoint); }
  bool sign_in_enabled() const { return cookie_seal_ && token_endpoint_; }

 private:
  Config config_;
  std::unique_ptr<storage::Database> database_;
  std::unique_ptr<domain::WebhookVerifier> webhook_verifier_;
  std::unique_ptr<domain::WebhookSync> webhook_sync_;
  std::unique_ptr<UsageRecorder> usage_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<BackupSchedule> backups_;
  std::unique_ptr<domain::CookieSeal> cookie_seal_;
  std::unique_ptr<domain::OidcTokenEndpoint> token_endpoint_;
};

}  // namespace mcp::app
