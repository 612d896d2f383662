#pragma once
// Shared pieces of every command: option parsing with Boost.Program_options, the settings flags
// that map onto the variables of README "Configuration", and the errors that decide the exit status.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "app/config.h"

namespace mcp::cli {

namespace po = boost::program_options;

// Misuse of the command line: one line on stderr, exit 2, nothing touched.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure while doing the work (database unreachable, drift, port taken): exit 1.
class CommandFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommandSpec {
  std::string name;      // "serve"
  std::string synopsis;  // "serve [--host H] ..."
  std::string summary;   // one line
};

// Which settings flags a command takes.
enum SettingsFlags : unsigned {
  kDatabaseFlag = 1u << 0,  // --database
  kServerFlags = 1u << 1,   // --host --port --webhook-secret --jwt-key ... --tls-cert --tls-key
  kLoggingFlags = 1u << 2,  // --env --log-level --log-format
  // Settings read without their flags being added by add_settings_options:
  kListenSettings = 1u << 3,  // HOST, PORT, MCP_ADMIN_TLS_CERT/KEY (what `health` asks)
  kRoleMapSetting = 1u << 4,  // CLERK_ROLE_MAP (what `webhooks replay` applies)
  kClerkApiSettings = 1u << 5,  // CLERK_SECRET_KEY, CLERK_API_URL (what `clerk sync` calls)
};

// Adds the settings flags to `options`.
void add_settings_options(po::options_description& options, unsigned which);

// Parses `args` (the words after the command's name). Prints help and returns false on --help.
// Throws UsageError on unknown options, missing values or extra words.
bool parse_command(const CommandSpec& spec, po::options_description& options,
                   const po::positional_options_description& positional, const std::vector<std::string>& args,
                   po::variables_map& vm);

// Resolves the configuration from flags in `vm`, the environment and the dotenv files of the
// working directory; configures logging. Only the settings of the groups in `which` are read and
// checked (the others keep their defaults), so a command is never refused for a setting it does not
// use. Throws UsageError (exit 2) for any bad setting it reads.
app::Config load_config(const po::variables_map& vm, unsigned which);

}  // namespace mcp::cli
