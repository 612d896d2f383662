// serve and health: run the server; ask a running one whether it is healthy.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "app/app.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/serve_runner.h"
#include "domain/seed.h"
#include "http/health_probe.h"
#include "http/server.h"
#include "storage/errors.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "util/log.h"
#include "version.h"

namespace mcp::cli {

namespace {

// Applies pending migrations, or with --no-migrate refuses a schema that is behind.
void prepare_schema(storage::Database& db, bool no_migrate) {
  auto migrations = storage::embedded_migrations();
  if (!no_migrate) {
    int applied = storage::apply_migrations(db, migrations);
    if (applied > 0) util::log_info("migrations applied", {{"count", applied}});
    return;
  }
  auto status = storage::migration_status(db, migrations);
  if (!status.drifted.empty()) {
    throw CommandFailed("the schema has drifted (" + status.drifted.front().name +
                        " changed after it was applied); see `mcp-admin migrate status`");
  }
  if (!status.pending.empty()) {
    throw CommandFailed("the schema is behind (" + std::to_string(status.pending.size()) +
                        " migration(s) pending, first " + status.pending.front().name +
                        ") and --no-migrate was given: run `mcp-admin migrate` first");
  }
}

}  // namespace

void add_serve_options(po::options_description& options) {
  options.add_options()("no-migrate", "do not migrate on start; refuse to start on a schema that is behind")(
      "seed", "add the default data after migrating (what a test fixture wants)");
  add_settings_options(options, kDatabaseFlag | kServerFlags | kLoggingFlags);
}

app::Config load_serve_config(const po::variables_map& vm) {
  app::Config config = load_config(vm);
  config.no_migrate = vm.count("no-migrate") > 0;
  config.seed = vm.count("seed") > 0;
  return config;
}

int serve_until_stopped(app::Config config, const ServeHooks& hooks) {
  // Block the stop signals in every thread (threads inherit the mask); one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<storage::Database> db;
  try {
    db = storage::open_database(config.database, config.db_pool_size);
    prepare_schema(*db, config.no_migrate);
    if (config.seed) {
      auto seeded = domain::run_seed(*db);
      util::log_info("seed", {{"inserted", seeded.inserted}, {"present", seeded.present}});
    }
    if (config.bootstrap_key && app::ensure_bootstrap_key(*db, *config.bootstrap_key)) {
      util::log_info("bootstrap API key stored (platform admin)");
    }
  } catch (const storage::StorageError& e) {
    throw CommandFailed(e.what());
  }
  std::string where = db->describe();
  app::App app(std::move(config), std::move(db));
  http::HttpServer server(app);
  try {
    server.bind();
  } catch (const std::runtime_error& e) {
    throw CommandFailed(e.what());
  }

  std::atomic<bool> serving_done{false};
  std::thread signal_waiter([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    if (serving_done) return;
    util::log_info("stopping", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    // stop() is a no-op until the accept loop runs: repeat until serve() has returned.
    while (!serving_done) {
      server.stop();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  // Whatever happens from here on, the signal thread must be joined before it goes out of scope.
  auto finish_waiter = [&] {
    serving_done = true;
    pthread_kill(signal_waiter.native_handle(), SIGTERM);  // wakes the waiter if serve() ended otherwise
    signal_waiter.join();
  };

  std::cout << nlohmann::json{{"event", "listening"}, {"url", server.url()}}.dump() << std::endl;
  util::log_info("listening", {{"url", server.url()}, {"database", where}, {"version", kVersion},
                               {"environment", app.config().environment}});
  try {
    if (hooks.on_listening) hooks.on_listening(app, server.url());
  } catch (...) {
    finish_waiter();
    throw;
  }
  server.serve();
  finish_waiter();
  if (hooks.on_stopped) hooks.on_stopped(app);
  app.usage().stop();
  app.database().close();
  util::log_info("stopped");
  return 0;
}

int run_serve(const Args& args) {
  CommandSpec spec{"serve",
                   "serve [--host H] [--port P] [--database URL] [--no-migrate] [--seed] [--tls-cert F --tls-key F]",
                   "Serves the HTTP API. Prints one line to stdout when listening:\n"
                   "  {\"event\":\"listening\",\"url\":\"http://127.0.0.1:3000\"}\n"
                   "SIGTERM or SIGINT: stops accepting, answers requests in flight, closes the database, exit 0."};
  po::options_description options("Options");
  add_serve_options(options);
  po::variables_map vm;
  if (!parse_command(spec, options, {}, args, vm)) return 0;
  return serve_until_stopped(load_serve_config(vm), {});
}

int run_health(const Args& args) {
  CommandSpec spec{"health", "health [--url URL]",
                   "Asks a running server's /api/health: exit 0 when healthy, 1 when not (or no answer).\n"
                   "Without --url: http://HOST:PORT/api/health from the configuration."};
  po::options_description options("Options");
  options.add_options()("url", po::value<std::string>()->value_name("URL"), "the health URL to ask");
  options.add_options()("host", po::value<std::string>()->value_name("H"), "HOST to ask when no --url")(
      "port", po::value<std::string>()->value_name("P"), "PORT to ask when no --url");
  po::variables_map vm;
  if (!parse_command(spec, options, {}, args, vm)) return 0;
  std::string url;
  if (vm.count("url")) {
    url = vm["url"].as<std::string>();
  } else {
    app::Config config = load_config(vm);
    std::string host = config.host == "0.0.0.0" ? "127.0.0.1" : config.host == "::" ? "::1" : config.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    url = std::string(config.tls_cert ? "https" : "http") + "://" + host + ":" + std::to_string(config.port) +
          "/api/health";
  }
  http::ProbeResult result;
  try {
    result = http::probe_health(url);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("health: ") + e.what());
  }
  std::cout << result.summary << std::endl;
  return result.healthy ? 0 : 1;
}

}  // namespace mcp::cli
