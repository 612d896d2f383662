#pragma once
// The server's life as `serve` runs it, shared with `studio` (which serves exactly the same way and
// adds a short-lived key around it): options, configuration, open/migrate/seed, bind, the ready
// line, serving until SIGTERM/SIGINT, a clean close.
#include <functional>
#include <string>

#include "app/config.h"
#include "cli/command_line.h"

namespace mcp::app {
class App;
}

namespace mcp::cli {

// What a serving command adds around the server's life.
struct ServeHooks {
  // After the ready line is printed, before requests are served (the port is bound already).
  std::function<void(app::App&, const std::string& url)> on_listening;
  // After a clean stop (SIGTERM/SIGINT, requests in flight answered), before the database closes.
  std::function<void(app::App&)> on_stopped;
};

// serve's options: --no-migrate, --seed and every server, database and logging setting.
void add_serve_options(po::options_description& options);

// The configuration from those options, the environment and the dotenv files (UsageError if bad).
app::Config load_serve_config(const po::variables_map& vm);

// Opens and migrates the database, binds, prints {"event":"listening","url":…} on stdout, serves
// until SIGTERM/SIGINT; returns the exit status. Throws CommandFailed when it cannot start.
int serve_until_stopped(app::Config config, const ServeHooks& hooks);

}  // namespace mcp::cli
