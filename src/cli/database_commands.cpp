// migrate [status], push [--force-reset], seed, schema [--dialect]: the commands that manage the schema and data.
#include <filesystem>
#include <iostream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "domain/seed.h"
#include "storage/errors.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "util/log.h"
#include "util/time.h"

namespace mcp::cli {

namespace {

std::unique_ptr<storage::Database> open_configured(const app::Config& config) {
  try {
    return storage::open_database(config.database, config.db_pool_size);
  } catch (const storage::StorageError& e) {
    throw CommandFailed(e.what());
  }
}

void print_status(const storage::MigrationStatus& status) {
  for (const auto& row : status.applied) {
    bool drifted = false;
    for (const auto& d : status.drifted) drifted = drifted || d.version == row.version;
    std::cout << (drifted ? "drift    " : "applied  ") << row.name << "  " << util::format_iso8601_ms(row.applied_at)
              << (drifted ? "  (file changed after it was applied)" : "") << "\n";
  }
  for (const auto& row : status.unknown) {
    std::cout << "unknown  " << row.name << "  (applied by a newer mcp-admin; this binary does not have it)\n";
  }
  for (const auto& migration : status.pending) std::cout << "pending  " << migration.name << "\n";
  std::cout << status.applied.size() << " applied, " << status.pending.size() << " pending, " << status.drifted.size()
            << " drifted" << std::endl;
}

}  // namespace

int run_migrate(const Args& args) {
  CommandSpec spec{"migrate", "migrate [status] [--database URL]",
                   "Applies pending migrations; `migrate status` lists applied, pending and drifted ones\n"
                   "(exit 1 when any drifted or is pending)."};
  po::options_description options("Options");
  options.add_options()("action", po::value<std::string>(), "status");
  add_settings_options(options, kDatabaseFlag | kLoggingFlags);
  po::positional_options_description positional;
  positional.add("action", 1);
  po::variables_map vm;
  if (!parse_command(spec, options, positional, args, vm)) return 0;
  bool status_only = false;
  if (vm.count("action")) {
    if (vm["action"].as<std::string>() != "status") {
      throw UsageError("migrate: unknown action '" + vm["action"].as<std::string>() + "' (use: mcp-admin migrate [status])");
    }
    status_only = true;
  }
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  auto migrations = storage::embedded_migrations();
  if (status_only && config.database.kind == storage::DatabaseUrl::Kind::SqliteFile &&
      !std::filesystem::exists(config.database.sqlite_path)) {
    // Asking must not create: opening SQLite would leave an empty database file behind.
    storage::MigrationStatus status;
    status.pending = migrations;
    std::cout << "no database at " << config.database.sqlite_path << " yet (`mcp-admin migrate` creates it)\n";
    print_status(status);
    return 1;
  }
  auto db = open_configured(config);
  if (status_only) {
    auto status = storage::migration_status(*db, migrations);
    print_status(status);
    return status.pending.empty() && status.drifted.empty() ? 0 : 1;
  }
  int applied = storage::apply_migrations(*db, migrations);
  std::cout << "applied " << applied << " migration" << (applied == 1 ? "" : "s") << " to " << db->describe()
            << std::endl;
  return 0;
}

int run_push(const Args& args) {
  CommandSpec spec{"push", "push [--force-reset] [--database URL]",
                   "Makes the database's schema match this binary. --force-reset drops every table first\n"
                   "(all data is lost; refused when the environment is production)."};
  po::options_description options("Options");
  options.add_options()("force-reset", "drop every table, then create the schema anew");
  add_settings_options(options, kDatabaseFlag | kLoggingFlags);
  po::variables_map vm;
  if (!parse_command(spec, options, {}, args, vm)) return 0;
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  bool reset = vm.count("force-reset") > 0;
  if (reset && config.is_production()) {
    throw UsageError("push --force-reset is refused in production (environment '" + config.environment +
                     "'): it would drop every table");
  }
  auto db = open_configured(config);
  if (reset) {
    db->drop_all_tables();
    std::cout << "dropped every table in " << db->describe() << "\n";
  }
  int applied = storage::apply_migrations(*db, storage::embedded_migrations());
  std::cout << "schema is up to date (" << applied << " migration" << (applied == 1 ? "" : "s") << " applied)"
            << std::endl;
  return 0;
}

int run_seed(const Args& args) {
  CommandSpec spec{"seed", "seed [--database URL]",
                   "Adds the default data (the starter registry of MCP servers). Idempotent: a server whose\n"
                   "slug exists is left as it is. Applies pending migrations first."};
  po::options_description options("Options");
  add_settings_options(options, kDatabaseFlag | kLoggingFlags);
  po::variables_map vm;
  if (!parse_command(spec, options, {}, args, vm)) return 0;
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  auto db = open_configured(config);
  storage::apply_migrations(*db, storage::embedded_migrations());
  domain::SeedResult result = domain::run_seed(*db);
  std::cout << "seed: " << result.inserted << " MCP server" << (result.inserted == 1 ? "" : "s") << " added, "
            << result.present << " already present" << std::endl;
  return 0;
}

int run_schema(const Args& args) {
  CommandSpec spec{"schema", "schema [--dialect postgres|sqlite]",
                   "Prints the DDL of every migration. The schema is written once in the SQL both engines\n"
                   "share, so both dialects print the same statements."};
  po::options_description options("Options");
  options.add_options()("dialect", po::value<std::string>()->default_value("sqlite")->value_name("D"),
                        "postgres | sqlite");
  po::variables_map vm;
  if (!parse_command(spec, options, {}, args, vm)) return 0;
  std::string dialect = vm["dialect"].as<std::string>();
  if (dialect == "postgresql") dialect = "postgres";
  if (dialect != "postgres" && dialect != "sqlite") {
    throw UsageError("schema: --dialect '" + dialect + "' is not one of postgres, sqlite");
  }
  std::cout << "-- mcp-admin schema for " << (dialect == "postgres" ? "PostgreSQL 14+" : "SQLite 3.35+") << "\n";
  for (const auto& migration : storage::embedded_migrations()) {
    std::cout << "\n-- migration " << migration.name << " (sha256 " << migration.checksum << ")\n" << migration.sql;
  }
  std::cout << std::flush;
  return 0;
}

}  // namespace mcp::cli
