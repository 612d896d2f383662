// mcp-admin: command line → configuration → the command.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "storage/errors.h"
#include "version.h"

namespace mcp::cli {

const std::vector<CommandEntry>& commands() {
  static const std::vector<CommandEntry> list{
      {"serve", "serve the HTTP API (migrates first unless --no-migrate)", run_serve},
      {"studio", "serve, and print the admin page's URL signed in with a short-lived platform-admin key", run_studio},
      {"migrate", "apply pending migrations; `migrate status` lists them", run_migrate},
      {"push", "make the schema match; --force-reset drops and recreates (not in production)", run_push},
      {"seed", "add the default data (idempotent)", run_seed},
      {"schema", "print the DDL (--dialect postgres|sqlite)", run_schema},
      {"health", "ask a running server's /api/health; exit 0 healthy, 1 not", run_health},
      {"backup", "backup FILE: a consistent online copy (SQLite); PostgreSQL: prints the pg_dump command", run_backup},
      {"restore", "restore FILE: replace the database with a backup (--force when it holds data)", run_restore},
      {"apikey", "apikey create | list | revoke: organization and platform-admin API keys", run_apikey},
      {"webhooks", "webhooks replay --failed | --id SVIX_ID: re-apply stored deliveries", run_webhooks},
      {"clerk", "clerk sync [--dry-run] [--prune] [--json]: backfill / reconcile from Clerk's Backend API", run_clerk},
  };
  return list;
}

}  // namespace mcp::cli

namespace {

void print_usage(std::ostream& out) {
  out << "mcp-admin " << mcp::kVersion << ": the control plane of a multi-tenant MCP platform\n\n"
      << "Usage: mcp-admin COMMAND [options]\n       mcp-admin --version | --help | COMMAND --help\n\nCommands:\n";
  for (const auto& command : mcp::cli::commands()) {
    std::string name = command.name;
    out << "  " << name << std::string(10 - name.size(), ' ') << command.summary << "\n";
  }
  out << "\nSettings come from flags, then the environment, then ./.env.local, then ./.env.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty()) {
    print_usage(std::cerr);
    return 2;
  }
  const std::string& first = words.front();
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (first == "--version" || first == "-V" || first == "version") {
    std::cout << "mcp-admin " << mcp::kVersion << std::endl;
    return 0;
  }
  for (const auto& command : mcp::cli::commands()) {
    if (first != command.name) continue;
    try {
      return command.run(std::vector<std::string>(words.begin() + 1, words.end()));
    } catch (const mcp::cli::UsageError& e) {
      std::cerr << "mcp-admin: " << e.what() << std::endl;
      return 2;
    } catch (const mcp::cli::CommandFailed& e) {
      std::cerr << "mcp-admin " << command.name << ": " << e.what() << std::endl;
      return 1;
    } catch (const mcp::storage::StorageError& e) {
      std::cerr << "mcp-admin " << command.name << ": " << e.what() << std::endl;
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "mcp-admin " << command.name << ": unexpected error: " << e.what() << std::endl;
      return 1;
    }
  }
  std::string names;
  for (const auto& command : mcp::cli::commands()) names += (names.empty() ? "" : ", ") + std::string(command.name);
  std::cerr << "mcp-admin: unknown command '" << first << "' (commands: " << names << "; see mcp-admin --help)"
            << std::endl;
  return 2;
}
