// serve and health: run the server; ask a running one whether it is healthy.
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "app/app.h"
#include "app/backup_schedule.h"
#include "app/idle_memory_trimmer.h"
#include "app/systemd_notify.h"
#include "clients/clerk_oauth_client.h"
#include "cli/command_line.h"
#include "cli/clerk_sync_background.h"
#include "cli/commands.h"
#include "cli/serve_runner.h"
#include "domain/api_key.h"
#include "domain/fixture_world.h"
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

// Reads and checks the world file before anything is touched; UsageError names the file, the
// JSON path and the reason.
domain::FixtureWorld read_fixture(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError("fixture " + file + ": cannot be read");
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    std::string reason = e.what();
    if (auto end = reason.find("] "); end != std::string::npos) reason = reason.substr(end + 2);
    throw UsageError("fixture " + file + ": $: not valid JSON (" + reason + ")");
  }
  try {
    return domain::parse_fixture_world(document);
  } catch (const domain::FixtureError& e) {
    throw UsageError("fixture " + file + ": " + e.what());
  }
}

// The checks that need the system rather than the text of a setting, done before the database is
// opened or created: the listen address resolves, a --no-migrate database exists, scheduled
// backups have an SQLite file and a directory to write to.
void check_before_start(const app::Config& config) {
  // A numeric address needs no lookup (and the static binary resolves names only with the
  // system's NSS libraries: see packaging/build-static.sh).
  unsigned char numeric[16];
  if (inet_pton(AF_INET, config.host.c_str(), numeric) != 1 && inet_pton(AF_INET6, config.host.c_str(), numeric) != 1) {
    addrinfo hints{};
    hints.ai_flags = AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(config.host.c_str(), nullptr, &hints, &found); rc != 0) {
      throw UsageError("HOST '" + config.host + "' cannot be resolved (" + gai_strerror(rc) +
                       "): give an IP address such as 127.0.0.1 or 0.0.0.0");
    }
    ::freeaddrinfo(found);
  }
  const storage::DatabaseUrl& url = config.database;
  if (config.no_migrate && url.kind == storage::DatabaseUrl::Kind::SqliteFile && !std::filesystem::exists(url.sqlite_path)) {
    throw CommandFailed("there is no database at " + url.sqlite_path +
                        " and --no-migrate was given: run `mcp-admin migrate` first (it creates it)");
  }
  if (config.backup_dir) {
    if (url.kind != storage::DatabaseUrl::Kind::SqliteFile) {
      throw UsageError(std::string("--backup-dir (MCP_ADMIN_BACKUP_DIR) is for SQLite files only; ") +
                       (url.kind == storage::DatabaseUrl::Kind::Postgres
                            ? "back PostgreSQL up with pg_dump (`mcp-admin backup FILE` prints the command) or your "
                              "provider's snapshots, and leave MCP_ADMIN_BACKUP_DIR unset"
                            : "the database is :memory:, there is no file to copy"));
    }
    std::error_code error;
    std::filesystem::create_directories(*config.backup_dir, error);
    if (error || ::access(config.backup_dir->c_str(), W_OK | X_OK) != 0) {
      throw UsageError("--backup-dir '" + *config.backup_dir + "' is not a directory this process can write to");
    }
  }
}

void log_bootstrap_key(app::BootstrapKeyState state, const std::string& secret) {
  std::string prefix = secret.substr(0, domain::kApiKeyPrefixLength);
  switch (state) {
    case app::BootstrapKeyState::Created:
      util::log_info("bootstrap API key stored (platform admin)", {{"prefix", prefix}});
      break;
    case app::BootstrapKeyState::Present:
      break;
    case app::BootstrapKeyState::Revoked:
      util::log_warn("the bootstrap API key (MCP_ADMIN_BOOTSTRAP_KEY) was revoked and stays revoked: requests with it "
                     "are refused. Remove it from the configuration, or set a new key",
                     {{"prefix", prefix}});
      break;
    case app::BootstrapKeyState::Other:
      util::log_warn("MCP_ADMIN_BOOTSTRAP_KEY is not accepted: another key with the same prefix exists; set a new key",
                     {{"prefix", prefix}});
      break;
  }
}

}  // namespace

void add_serve_options(po::options_description& options) {
  options.add_options()("no-migrate", "do not migrate on start; refuse to start on a schema that is behind")(
      "seed", "add the default data after migrating (what a test fixture wants)")(
      "fixture", po::value<std::string>()->value_name("FILE"),
      "MCP_ADMIN_FIXTURE: load this world (JSON: organizations, users, memberships, mcp_servers, services, "
      "api_keys) after migrating; idempotent")(
      "backup-dir", po::value<std::string>()->value_name("DIR"),
      "MCP_ADMIN_BACKUP_DIR: while serving, copy the SQLite database into DIR (first copy at start)")(
      "backup-interval", po::value<std::string>()->value_name("DURATION"),
      "MCP_ADMIN_BACKUP_INTERVAL: time between copies, e.g. 30m, 6h, 1d (default 1h)")(
      "backup-keep", po::value<std::string>()->value_name("N"),
      "MCP_ADMIN_BACKUP_KEEP: how many copies to keep, newest first (default 24)");
  add_settings_options(options, kDatabaseFlag | kServerFlags | kLoggingFlags);
}

app::Config load_serve_config(const po::variables_map& vm) {
  app::Config config = load_config(vm, kDatabaseFlag | kServerFlags | kLoggingFlags);
  config.no_migrate = vm.count("no-migrate") > 0;
  config.seed = vm.count("seed") > 0;
  if (config.oauth_client_id) {
    std::vector<std::string> missing;
    if (!config.clerk_issuer) missing.push_back("CLERK_ISSUER (Clerk's Frontend API URL)");
    if (!config.public_url) missing.push_back("MCP_ADMIN_PUBLIC_URL (the redirect URI is <it>/auth/callback)");
    if (!config.jwt_key && !config.jwks_file) missing.push_back("CLERK_JWT_KEY or CLERK_JWKS_FILE (to verify the ID token)");
    if (!missing.empty()) {
      std::string list;
      for (const auto& item : missing) list += (list.empty() ? "" : ", ") + item;
      throw UsageError("MCP_ADMIN_OAUTH_CLIENT_ID (the admin page's sign-in with Clerk) also needs " + list);
    }
  }
  if (config.clerk_sync_every_ms && !config.clerk_secret_key) {
    throw UsageError("--clerk-sync-every (MCP_ADMIN_CLERK_SYNC_EVERY) needs CLERK_SECRET_KEY (the instance's secret key, "
                     "sk_test_… or sk_live_…)");
  }
  return config;
}

int serve_until_stopped(app::Config config, const ServeHooks& hooks) {
  // Block the stop signals and SIGHUP in every thread (threads inherit the mask); one thread waits
  // for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  app::SystemdNotifier systemd = app::SystemdNotifier::from_environment();
  std::optional<domain::FixtureWorld> fixture;
  if (config.fixture) fixture = read_fixture(*config.fixture);
  check_before_start(config);

  std::unique_ptr<storage::Database> db;
  try {
    systemd.notify("STATUS=Opening and migrating the database");
    db = storage::open_database(config.database, config.db_pool_size);
    prepare_schema(*db, config.no_migrate);
    if (config.seed) {
      auto seeded = domain::run_seed(*db);
      util::log_info("seed", {{"inserted", seeded.inserted}, {"present", seeded.present}});
    }
    if (config.bootstrap_key) log_bootstrap_key(app::ensure_bootstrap_key(*db, *config.bootstrap_key), *config.bootstrap_key);
    if (fixture) {
      std::string name = std::filesystem::path(*config.fixture).filename().string();
      domain::FixtureLoadResult loaded;
      try {
        loaded = domain::load_fixture_world(*db, *fixture, name);
      } catch (const domain::FixtureError& e) {
        db->close();
        throw UsageError("fixture " + *config.fixture + ": " + e.what());
      }
      util::log_info("fixture loaded", {{"file", name},
                                        {"organizations", loaded.organizations},
                                        {"users", loaded.users},
                                        {"memberships", loaded.memberships},
                                        {"mcp_servers", loaded.mcp_servers},
                                        {"services", loaded.services},
                                        {"api_keys", loaded.api_keys},
                                        {"present", loaded.present}});
    }
  } catch (const storage::StorageError& e) {
    throw CommandFailed(e.what());
  }
  std::string where = db->describe();
  app::App app(std::move(config), std::move(db));
  if (const auto& c = app.config(); c.oauth_client_id) {
    try {
      app.set_token_endpoint(std::make_unique<clients::ClerkOAuthClient>(
          clients::ClerkOAuthOptions{*c.clerk_issuer, *c.oauth_client_id, *c.oauth_client_secret, {}}));
    } catch (const std::invalid_argument& e) {
      throw UsageError(e.what());
    }
  }
  // After a burst, what the request threads' malloc arenas hold goes back to the system.
  app::pin_malloc_thresholds();
  app::IdleMemoryTrimmer memory_trimmer;
  std::unique_ptr<http::HttpServer> server_holder;
  try {
    server_holder = std::make_unique<http::HttpServer>(app);
    server_holder->bind();
  } catch (const std::runtime_error& e) {
    throw CommandFailed(e.what());
  }
  http::HttpServer& server = *server_holder;
  if (const auto& c = app.config(); c.backup_dir) {
    app.set_backups(std::make_unique<app::BackupSchedule>(c.database.sqlite_path, *c.backup_dir,
                                                          std::chrono::milliseconds(c.backup_interval_ms), c.backup_keep));
  }

  std::atomic<bool> serving_done{false};
  std::thread signal_waiter([&] {
    int received = 0;
    for (;;) {
      sigwait(&stop_signals, &received);
      if (serving_done) return;
      if (received != SIGHUP) break;
      server.reload_tls();  // certbot's renewal hook: `systemctl reload mcp-admin` or kill -HUP
    }
    systemd.notify("STOPPING=1\nSTATUS=Stopping: answering requests in flight");
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
  systemd.notify("READY=1\nSTATUS=Serving on " + server.url());
  // WATCHDOG=1 only while the database answers a round trip: a server that cannot reach its
  // database is restarted by systemd rather than kept up answering 503.
  std::optional<app::WatchdogPinger> watchdog;
  watchdog.emplace(systemd, [&app] { return app.check_health().healthy; });
  try {
    if (hooks.on_listening) hooks.on_listening(app, server.url());
  } catch (...) {
    finish_waiter();
    throw;
  }
  auto background_sync = start_background_clerk_sync(app);  // null unless --clerk-sync-every
  server.serve();
  background_sync.reset();
  finish_waiter();
  watchdog.reset();
  app.set_backups(nullptr);  // a copy in progress finishes before the database closes
  if (hooks.on_stopped) hooks.on_stopped(app);
  app.usage().stop();
  app.database().close();
  util::log_info("stopped");
  return 0;
}

int run_serve(const Args& args) {
  CommandSpec spec{"serve",
                   "serve [--host H] [--port P] [--database URL] [--no-migrate] [--seed] [--fixture FILE]\n"
                   "                 [--tls-cert F --tls-key F] [--backup-dir DIR [--backup-interval D] [--backup-keep N]]",
                   "Serves the HTTP API. Prints one line to stdout when listening:\n"
                   "  {\"event\":\"listening\",\"url\":\"http://127.0.0.1:3000\"}\n"
                   "SIGTERM or SIGINT: stops accepting, answers requests in flight, closes the database, exit 0.\n"
                   "SIGHUP: re-reads --tls-cert and --tls-key (new connections get the new pair).\n"
                   "Given a listening socket by systemd (LISTEN_FDS), serves on it instead of --host/--port.\n"
                   "Under systemd (NOTIFY_SOCKET): READY=1 when listening, STATUS= lines, STOPPING=1 on SIGTERM,\n"
                   "WATCHDOG=1 every WATCHDOG_USEC/2 while the database answers."};
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
    app::Config config = load_config(vm, kListenSettings | kLoggingFlags);
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
