// backup FILE, restore FILE: whole-database copies (SQLite); on PostgreSQL, the pg_dump /
// pg_restore commands to run instead. Exit 0 done, 1 refused or failed, 2 misuse, 3 PostgreSQL
// (nothing done: run the printed command).
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "storage/postgres/postgres_tools.h"
#include "storage/sqlite/sqlite_backup.h"

namespace mcp::cli {

namespace {

// PostgreSQL: backup and restore did nothing; the printed command does it.
constexpr int kExitUsePostgresTools = 3;

constexpr const char* kPasswordHint =
    "The password is not shown: give it with PGPASSWORD=… in the command's environment or a ~/.pgpass line\n"
    "(host:port:database:user:password, mode 0600).";

nlohmann::json summary_json(const storage::SqliteFileSummary& summary) {
  nlohmann::json rows = nlohmann::json::object();
  for (const auto& [table, count] : summary.row_counts) rows[table] = count;
  return {{"file", summary.path}, {"bytes", summary.bytes}, {"schema_version", summary.schema_version}, {"rows", rows}};
}

// Parses `COMMAND FILE [--force] [--json] [--database URL]`; returns false after --help.
bool parse_copy_command(const CommandSpec& spec, const Args& args, po::variables_map& vm) {
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->value_name("FILE"),
                        spec.name == "backup" ? "where to write the copy (usually given as the first word)"
                                              : "the backup to restore (usually given as the first word)");
  options.add_options()("force", spec.name == "backup" ? "replace FILE when it exists"
                                                       : "replace a database that holds data");
  options.add_options()("json", "print the summary as one JSON object");
  add_settings_options(options, kDatabaseFlag | kLoggingFlags);
  po::positional_options_description positional;
  positional.add("file", 1);
  if (!parse_command(spec, options, positional, args, vm)) return false;
  if (!vm.count("file") || vm["file"].as<std::string>().empty()) {
    throw UsageError(spec.name + ": FILE is missing (usage: mcp-admin " + spec.synopsis + ")");
  }
  return true;
}

}  // namespace

int run_backup(const Args& args) {
  CommandSpec spec{"backup", "backup FILE [--force] [--json] [--database URL]",
                   "Writes a consistent copy of the SQLite database to FILE while servers keep running\n"
                   "(SQLite's online backup API, one snapshot). FILE appears only when complete and checked;\n"
                   "an existing FILE is refused without --force (exit 1). On PostgreSQL nothing is done:\n"
                   "the pg_dump command to run is printed (exit 3)."};
  po::variables_map vm;
  if (!parse_copy_command(spec, args, vm)) return 0;
  std::string file = vm["file"].as<std::string>();
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  const storage::DatabaseUrl& url = config.database;
  if (url.kind == storage::DatabaseUrl::Kind::SqliteMemory) {
    throw UsageError("backup: the database is :memory:, private to one process: there is nothing another process "
                     "can copy (point --database at a file)");
  }
  if (url.kind == storage::DatabaseUrl::Kind::Postgres) {
    std::cerr << "mcp-admin backup: nothing done: a PostgreSQL database is backed up with PostgreSQL's pg_dump, which\n"
                 "takes a consistent snapshot while servers keep running. Run:\n";
    std::cout << storage::pg_dump_command(url, file) << std::endl;
    std::cerr << kPasswordHint << std::endl;
    return kExitUsePostgresTools;
  }
  storage::SqliteFileSummary summary = storage::backup_sqlite(url.sqlite_path, file, vm.count("force") > 0);
  if (vm.count("json")) {
    std::cout << summary_json(summary).dump() << std::endl;
  } else {
    std::cout << "backup: wrote " << summary.path << " (" << summary.bytes << " bytes, schema version "
              << summary.schema_version << ", " << summary.describe_rows() << ") from " << url.sqlite_path
              << std::endl;
  }
  return 0;
}

int run_restore(const Args& args) {
  CommandSpec spec{"restore", "restore FILE [--force] [--json] [--database URL]",
                   "Replaces the SQLite database's content with FILE (a file `mcp-admin backup` wrote), in one\n"
                   "transaction that running servers see as a whole, then applies any newer migrations.\n"
                   "A database that holds data is refused without --force (exit 1). FILE is checked first;\n"
                   "a bad FILE leaves the database untouched. On PostgreSQL nothing is done: the pg_restore\n"
                   "command to run is printed (exit 3)."};
  po::variables_map vm;
  if (!parse_copy_command(spec, args, vm)) return 0;
  std::string file = vm["file"].as<std::string>();
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  const storage::DatabaseUrl& url = config.database;
  if (url.kind == storage::DatabaseUrl::Kind::SqliteMemory) {
    throw UsageError("restore: the database is :memory:, gone when this command ends: point --database at a file");
  }
  if (url.kind == storage::DatabaseUrl::Kind::Postgres) {
    std::cerr << "mcp-admin restore: nothing done: a PostgreSQL dump is restored with PostgreSQL's tools. Stop the\n"
                 "mcp-admin servers (or accept that they see the restore), then run, for a pg_dump --format=custom file:\n";
    std::cout << storage::pg_restore_command(url, file) << std::endl;
    std::cerr << "or, for a plain SQL dump:\n  " << storage::psql_restore_command(url, file)
              << "\nthen `mcp-admin migrate` when the dump is from an older mcp-admin.\n"
              << kPasswordHint << std::endl;
    return kExitUsePostgresTools;
  }
  auto migrations = storage::embedded_migrations();
  storage::SqliteFileSummary backup = storage::inspect_sqlite_backup(file, migrations);
  std::optional<storage::SqliteFileSummary> target = storage::inspect_sqlite_target(url.sqlite_path);
  if (target && target->total_rows() > 0 && !vm.count("force")) {
    throw CommandFailed("the database " + url.sqlite_path + " holds data (" + target->describe_rows() +
                        "); restoring would replace all of it. Take a copy first (mcp-admin backup FILE), then "
                        "run restore again with --force");
  }
  storage::restore_sqlite(file, url.sqlite_path);
  // A backup from an older mcp-admin is brought to this binary's schema now, not at the next serve.
  auto db = storage::open_database(url);
  int applied = storage::apply_migrations(*db, migrations);
  db->close();
  if (vm.count("json")) {
    nlohmann::json out = summary_json(backup);
    out["database"] = url.sqlite_path;
    out["replaced_rows"] = target ? target->total_rows() : 0;
    out["migrations_applied"] = applied;
    std::cout << out.dump() << std::endl;
  } else {
    std::cout << "restore: " << url.sqlite_path << " now holds " << file << " (schema version " << backup.schema_version
              << ", " << backup.describe_rows() << ")"
              << (target && target->total_rows() > 0 ? "; replaced " + target->describe_rows() : std::string())
              << "; " << applied << " migration" << (applied == 1 ? "" : "s") << " applied" << std::endl;
  }
  return 0;
}

}  // namespace mcp::cli
