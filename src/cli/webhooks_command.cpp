// webhooks replay [--id SVIX_ID | --failed]: re-applies stored deliveries through the same code
// path the HTTP endpoint uses (their signatures were checked when they arrived).
#include <iostream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "domain/role_map.h"
#include "domain/webhook_sync.h"
#include "storage/errors.h"
#include "storage/migrator.h"
#include "storage/open_database.h"

namespace mcp::cli {

int run_webhooks(const Args& args) {
  CommandSpec spec{"webhooks", "webhooks replay [--id SVIX_ID | --failed] [--database URL]",
                   "Re-applies deliveries kept in the inbox (webhook_events): every failed one, or one by its\n"
                   "svix-id. Exit 1 when a replayed delivery still fails or the id is unknown."};
  po::options_description options("Options");
  options.add_options()("action", po::value<std::string>(), "replay")(
      "id", po::value<std::string>()->value_name("SVIX_ID"), "replay this delivery")(
      "failed", "replay every failed delivery");
  add_settings_options(options, kDatabaseFlag | kLoggingFlags);
  options.add_options()("role-map", po::value<std::string>()->value_name("MAP"),
                        "CLERK_ROLE_MAP: extra Clerk roles, as for serve");
  po::positional_options_description positional;
  positional.add("action", 1);
  po::variables_map vm;
  if (!parse_command(spec, options, positional, args, vm)) return 0;
  if (!vm.count("action") || vm["action"].as<std::string>() != "replay") {
    throw UsageError("webhooks: expected `webhooks replay --id SVIX_ID` or `webhooks replay --failed`");
  }
  bool by_id = vm.count("id") > 0, failed = vm.count("failed") > 0;
  if (by_id == failed) throw UsageError("webhooks replay: give exactly one of --id SVIX_ID or --failed");
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags | kRoleMapSetting);
  std::unique_ptr<storage::Database> db;
  try {
    db = storage::open_database(config.database, config.db_pool_size);
    storage::apply_migrations(*db, storage::embedded_migrations());
  } catch (const storage::StorageError& e) {
    throw CommandFailed(e.what());
  }
  domain::WebhookSync sync(*db, domain::RoleMap(config.role_map));
  domain::WebhookSync::ReplayReport report = by_id ? sync.replay_one(vm["id"].as<std::string>()) : sync.replay_failed();
  if (!report.found) {
    throw CommandFailed("no delivery with svix-id '" + vm["id"].as<std::string>() + "' in the inbox");
  }
  // One line a delivery: its id, its type, why it had been kept as failed, and how it went now.
  for (const auto& d : report.deliveries) {
    std::cout << d.svix_id << "  " << (d.type.empty() ? "?" : d.type) << "  "
              << (d.applied ? "applied" : "failed: " + d.error)
              << (d.previous_error.empty() ? "" : "  (was: " + d.previous_error + ")") << "\n";
  }
  std::cout << "replayed " << report.replayed << ", applied " << report.applied << ", still failed "
            << report.still_failed << std::endl;
  return report.still_failed == 0 ? 0 : 1;
}

}  // namespace mcp::cli
