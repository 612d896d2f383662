#pragma once
// serve --clerk-sync-every: the Backend API client and the scheduler that runs `clerk sync` in the
// background, owned together for the server's life.
#include <memory>

namespace mcp::app {
class App;
}

namespace mcp::cli {

class BackgroundClerkSync;

struct BackgroundClerkSyncDeleter {
  void operator()(BackgroundClerkSync* sync) const;
};

// Starts it when the configuration asks for it (clerk_sync_every_ms); null otherwise. Destroying
// it stops the scheduler (a run in progress ends after its current page).
std::unique_ptr<BackgroundClerkSync, BackgroundClerkSyncDeleter> start_background_clerk_sync(app::App& app);

}  // namespace mcp::cli
