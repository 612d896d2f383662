#pragma once
// The commands of README "Commands". Each takes the words after its name and returns the exit status;
// misuse throws UsageError (exit 2), failures throw CommandFailed or a storage error (exit 1).
#include <string>
#include <vector>

namespace mcp::cli {

using Args = std::vector<std::string>;

int run_serve(const Args& args);
int run_studio(const Args& args);
int run_migrate(const Args& args);
int run_push(const Args& args);
int run_seed(const Args& args);
int run_schema(const Args& args);
int run_health(const Args& args);
int run_webhooks(const Args& args);
int run_apikey(const Args& args);
int run_backup(const Args& args);
int run_restore(const Args& args);
int run_clerk(const Args& args);

struct CommandEntry {
  const char* name;
  const char* summary;
  int (*run)(const Args&);
};

// Every command, in the order `mcp-admin --help` lists them.
const std::vector<CommandEntry>& commands();

}  // namespace mcp::cli
