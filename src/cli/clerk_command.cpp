// clerk sync [--dry-run] [--prune] [--json]: backfill / reconcile users, organizations and
// memberships from Clerk's Backend API through the webhooks' rules (README "Already have users?").
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "clients/clerk_backend_client.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "domain/clerk_reconcile.h"
#include "domain/role_map.h"
#include "storage/errors.h"
#include "storage/migrator.h"
#include "storage/open_database.h"

namespace mcp::cli {

namespace {

// One line of progress on a terminal, rewritten in place: what was read, applied, left unchanged
// and pruned, the rate, and the current listing's ETA.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled), started_(std::chrono::steady_clock::now()) {}

  void show(const domain::ReconcileProgress& progress) {
    if (!enabled_) return;
    double seconds = elapsed_seconds();
    const domain::ReconcileCounts& counts = *progress.counts;
    double rate = seconds > 0 ? static_cast<double>(counts.read) / seconds : 0;
    std::string eta;
    if (progress.phase_total && rate > 0 && *progress.phase_total >= progress.phase_done) {
      eta = ", ETA " + std::to_string(static_cast<int64_t>(
                           static_cast<double>(*progress.phase_total - progress.phase_done) / rate + 0.5)) + " s";
    }
    std::string of_total = progress.phase_total ? "/" + std::to_string(*progress.phase_total) : "";
    std::fprintf(stderr, "\r\033[K%s %lld%s · read %lld · applied %lld · unchanged %lld · pruned %lld · %.0f/s%s",
                 progress.phase, static_cast<long long>(progress.phase_done), of_total.c_str(),
                 static_cast<long long>(counts.read), static_cast<long long>(counts.applied),
                 static_cast<long long>(counts.unchanged), static_cast<long long>(counts.pruned), rate, eta.c_str());
    std::fflush(stderr);
    shown_ = true;
  }

  void finish() {
    if (shown_) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }

  double elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point started_;
};

nlohmann::ordered_json summary_json(const domain::ReconcileReport& report, bool dry_run, int64_t retries,
                                    double seconds) {
  const auto& counts = report.counts;
  nlohmann::ordered_json summary;
  summary["ok"] = report.ok();
  summary["dry_run"] = dry_run;
  summary["read"] = counts.read;
  summary["applied"] = counts.applied;
  summary["unchanged"] = counts.unchanged;
  summary["pruned"] = counts.pruned;
  summary["invalid"] = counts.invalid;
  summary["changes"] = counts.changes;
  summary["retries"] = retries;
  summary["duration_ms"] = static_cast<int64_t>(seconds * 1000);
  summary["objects_per_second"] = seconds > 0 ? static_cast<int64_t>(static_cast<double>(counts.read) / seconds) : 0;
  summary["errors"] = report.errors;
  return summary;
}

}  // namespace

int run_clerk(const Args& args) {
  CommandSpec spec{"clerk", "clerk sync [--dry-run] [--prune] [--json] [--database URL] [--clerk-secret-key sk_…]",
                   "Reads every user, organization and membership from Clerk's Backend API (CLERK_API_URL,\n"
                   "authenticated by CLERK_SECRET_KEY) and applies them through the same rules as the webhooks:\n"
                   "newer updated_at wins, deleted stays deleted, one audit row per change (actor system/clerk-sync).\n"
                   "A second run changes nothing. --dry-run prints what would change and writes nothing; --prune\n"
                   "also deletes (softly, with the webhooks' cascades) what Clerk no longer has. Exit 0, or 1 with\n"
                   "what failed."};
  po::options_description options("Options");
  options.add_options()("action", po::value<std::string>(), "sync")(
      "dry-run", "print what would change; write nothing")(
      "prune", "soft-delete rows whose Clerk id Clerk no longer has")("json", "print the summary as JSON");
  add_settings_options(options, kDatabaseFlag | kLoggingFlags);
  options.add_options()("clerk-secret-key", po::value<std::string>()->value_name("sk_…"),
                        "CLERK_SECRET_KEY: the instance's secret key (Backend API)")(
      "clerk-api-url", po::value<std::string>()->value_name("URL"),
      "CLERK_API_URL: the Backend API base (default https://api.clerk.com; http only for a loopback host)")(
      "role-map", po::value<std::string>()->value_name("MAP"), "CLERK_ROLE_MAP: extra Clerk roles, as for serve");
  po::positional_options_description positional;
  positional.add("action", 1);
  po::variables_map vm;
  if (!parse_command(spec, options, positional, args, vm)) return 0;
  if (!vm.count("action") || vm["action"].as<std::string>() != "sync") {
    throw UsageError("clerk: expected `clerk sync [--dry-run] [--prune] [--json]`");
  }
  bool dry_run = vm.count("dry-run") > 0, prune = vm.count("prune") > 0, as_json = vm.count("json") > 0;
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags | kRoleMapSetting | kClerkApiSettings);
  if (!config.clerk_secret_key) {
    throw UsageError("clerk sync: CLERK_SECRET_KEY is not set (the instance's secret key, sk_test_… or sk_live_…, "
                     "from Clerk Dashboard → API keys; or --clerk-secret-key)");
  }
  clients::ClerkBackendOptions client_options;
  client_options.api_url = config.clerk_api_url;
  client_options.secret_key = *config.clerk_secret_key;
  clients::ClerkBackendClient clerk(client_options);
  // Ask Clerk once before touching the database: a refused key is one line, and nothing is opened.
  try {
    clerk.count_users();
  } catch (const domain::ClerkApiError& e) {
    throw CommandFailed(std::string("sync: ") + e.what());
  }

  std::unique_ptr<storage::Database> db;
  try {
    db = storage::open_database(config.database, config.db_pool_size);
    // Also for --dry-run: the schema is not data, and a new database needs it to be compared with.
    storage::apply_migrations(*db, storage::embedded_migrations());
  } catch (const storage::StorageError& e) {
    throw CommandFailed(e.what());
  }
  domain::ClerkReconciler reconciler(*db, domain::RoleMap(config.role_map), clerk);

  ProgressLine progress(::isatty(STDERR_FILENO) == 1);
  nlohmann::ordered_json would_change = nlohmann::ordered_json::array();
  domain::ReconcileOptions run_options;
  run_options.dry_run = dry_run;
  run_options.prune = prune;
  run_options.on_progress = [&](const domain::ReconcileProgress& p) { progress.show(p); };
  if (dry_run) {
    run_options.on_would_change = [&](const std::string& line) {
      if (as_json) {
        would_change.push_back(line);
      } else {
        progress.finish();
        std::cout << "would change: " << line << "\n";
      }
    };
  }

  domain::ReconcileReport report;
  try {
    report = reconciler.run(run_options);
  } catch (const domain::ClerkApiError& e) {
    progress.finish();
    if (as_json) {
      nlohmann::ordered_json failed = summary_json(report, dry_run, clerk.retries(), progress.elapsed_seconds());
      failed["ok"] = false;
      failed["errors"].push_back(e.what());
      std::cout << failed.dump() << std::endl;
    }
    throw CommandFailed(std::string("sync: ") + e.what() + (e.unauthorized() ? "" : " (pages applied before it stay applied; run it again)"));
  }
  progress.finish();
  double seconds = progress.elapsed_seconds();
  if (as_json) {
    nlohmann::ordered_json summary = summary_json(report, dry_run, clerk.retries(), seconds);
    if (dry_run) summary["would_change"] = std::move(would_change);
    std::cout << summary.dump() << std::endl;
  } else {
    const auto& counts = report.counts;
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f s, %.0f objects/s", seconds,
                  seconds > 0 ? static_cast<double>(counts.read) / seconds : 0.0);
    std::cout << "clerk sync" << (dry_run ? " (dry run: nothing written)" : "") << ": read " << counts.read
              << ", applied " << counts.applied << ", unchanged " << counts.unchanged << ", pruned " << counts.pruned
              << ", invalid " << counts.invalid << "; " << counts.changes << (dry_run ? " changes would be made" : " changes")
              << " (" << rate << ", " << clerk.retries() << " retries)" << std::endl;
  }
  for (const auto& error : report.errors) std::cerr << "mcp-admin clerk: " << error << std::endl;
  return report.ok() ? 0 : 1;
}

}  // namespace mcp::cli
