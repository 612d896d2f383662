#include "cli/clerk_sync_background.h"

#include "app/app.h"
#include "app/clerk_sync_scheduler.h"
#include "clients/clerk_backend_client.h"
#include "domain/role_map.h"
#include "util/log.h"

namespace mcp::cli {

class BackgroundClerkSync {
 public:
  BackgroundClerkSync(app::App& app, clients::ClerkBackendOptions options, int64_t every_ms)
      : client_(std::move(options)),
        scheduler_(app.database(), domain::RoleMap(app.config().role_map), client_, every_ms) {
    scheduler_.start();
  }
  ~BackgroundClerkSync() { scheduler_.stop(); }

 private:
  clients::ClerkBackendClient client_;
  app::ClerkSyncScheduler scheduler_;
};

void BackgroundClerkSyncDeleter::operator()(BackgroundClerkSync* sync) const { delete sync; }

std::unique_ptr<BackgroundClerkSync, BackgroundClerkSyncDeleter> start_background_clerk_sync(app::App& app) {
  const app::Config& config = app.config();
  if (!config.clerk_sync_every_ms || !config.clerk_secret_key) return nullptr;
  clients::ClerkBackendOptions options;
  options.api_url = config.clerk_api_url;
  options.secret_key = *config.clerk_secret_key;
  util::log_info("clerk sync in the background", {{"every_ms", *config.clerk_sync_every_ms},
                                                  {"api_url", config.clerk_api_url}});
  return std::unique_ptr<BackgroundClerkSync, BackgroundClerkSyncDeleter>(
      new BackgroundClerkSync(app, std::move(options), *config.clerk_sync_every_ms));
}

}  // namespace mcp::cli
