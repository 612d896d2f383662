#include "cli/command_line.h"

#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <iostream>
#include <set>


namespace mcp::cli {

namespace {
// flag name → the environment variable it overrides
const std::map<std::string, std::string>& flag_variables() {
  static const std::map<std::string, std::string> map{
      {"database", "DATABASE_URL"},
      {"host", "HOST"},
      {"port", "PORT"},
      {"webhook-secret", "CLERK_WEBHOOK_SECRET"},
      {"jwt-key", "CLERK_JWT_KEY"},
      {"jwks-file", "CLERK_JWKS_FILE"},
      {"authorized-parties", "CLERK_AUTHORIZED_PARTIES"},
      {"env", "MCP_ADMIN_ENV"},
      {"bootstrap-key", "MCP_ADMIN_BOOTSTRAP_KEY"},
      {"role-map", "CLERK_ROLE_MAP"},
      {"log-level", "LOG_LEVEL"},
      {"log-format", "LOG_FORMAT"},
      {"http-threads", "MCP_ADMIN_HTTP_THREADS"},
      {"max-connections", "MCP_ADMIN_MAX_CONNECTIONS"},
      {"tls-cert", "MCP_ADMIN_TLS_CERT"},
      {"tls-key", "MCP_ADMIN_TLS_KEY"},
      {"db-pool", "MCP_ADMIN_DB_POOL"},
      {"trusted-proxies", "MCP_ADMIN_TRUSTED_PROXIES"},
      {"public-url", "MCP_ADMIN_PUBLIC_URL"},
      {"clerk-issuer", "CLERK_ISSUER"},
      {"oauth-allow-missing-audience", "MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE"},
      {"clerk-secret-key", "CLERK_SECRET_KEY"},
      {"clerk-api-url", "CLERK_API_URL"},
      {"clerk-sync-every", "MCP_ADMIN_CLERK_SYNC_EVERY"},
      {"fixture", "MCP_ADMIN_FIXTURE"},
      {"backup-dir", "MCP_ADMIN_BACKUP_DIR"},
      {"backup-interval", "MCP_ADMIN_BACKUP_INTERVAL"},
      {"backup-keep", "MCP_ADMIN_BACKUP_KEEP"},
      {"oauth-client-id", "MCP_ADMIN_OAUTH_CLIENT_ID"},
      {"oauth-client-secret", "MCP_ADMIN_OAUTH_CLIENT_SECRET"},
  };
  return map;
}

// The variables each group of settings reads. A command resolves only the groups it uses, so a
// placeholder it never reads (the seed's `CLERK_WEBHOOK_SECRET=whsec_...`) cannot stop it.
bool used_by(const std::string& variable, unsigned which) {
  static const std::map<std::string, unsigned> groups{
      {"DATABASE_URL", kDatabaseFlag},
      {"MCP_ADMIN_DB_POOL", kDatabaseFlag},
      {"HOST", kServerFlags | kListenSettings},
      {"PORT", kServerFlags | kListenSettings},
      {"MCP_ADMIN_TLS_CERT", kServerFlags | kListenSettings},
      {"MCP_ADMIN_TLS_KEY", kServerFlags | kListenSettings},
      {"CLERK_ROLE_MAP", kServerFlags | kRoleMapSetting},
      {"CLERK_SECRET_KEY", kServerFlags | kClerkApiSettings},
      {"CLERK_API_URL", kServerFlags | kClerkApiSettings},
      {"NODE_ENV", kLoggingFlags},
      {"MCP_ADMIN_ENV", kLoggingFlags},
      {"LOG_LEVEL", kLoggingFlags},
      {"LOG_FORMAT", kLoggingFlags},
  };
  auto found = groups.find(variable);
  return (found == groups.end() ? unsigned(kServerFlags) : found->second) & which;
}

void keep_used(std::map<std::string, std::string>& layer, unsigned which) {
  std::erase_if(layer, [&](const auto& entry) { return !used_by(entry.first, which); });
}
}  // namespace

void add_settings_options(po::options_description& options, unsigned which) {
  auto add = options.add_options();
  if (which & kDatabaseFlag) {
    add("database", po::value<std::string>()->value_name("URL"),
        "DATABASE_URL: file:PATH | sqlite:PATH | :memory: | postgresql://… (default file:./mcp_admin.db)");
    add("db-pool", po::value<std::string>()->value_name("N"),
        "MCP_ADMIN_DB_POOL: PostgreSQL reader connections; half as many write (default 8)");
  }
  if (which & kServerFlags) {
    add("host", po::value<std::string>()->value_name("H"), "HOST: listen address (default 127.0.0.1)");
    add("port", po::value<std::string>()->value_name("P"), "PORT: listen port, 0 picks a free one (default 3000)");
    add("webhook-secret", po::value<std::string>()->value_name("whsec_…"),
        "CLERK_WEBHOOK_SECRET: Svix signing secret(s), space-separated during rotation");
    add("jwt-key", po::value<std::string>()->value_name("PEM"), "CLERK_JWT_KEY: Clerk's PEM public key");
    add("jwks-file", po::value<std::string>()->value_name("FILE"), "CLERK_JWKS_FILE: a saved JWKS JSON file");
    add("authorized-parties", po::value<std::string>()->value_name("LIST"),
        "CLERK_AUTHORIZED_PARTIES: comma list of accepted azp values");
    add("bootstrap-key", po::value<std::string>()->value_name("KEY"),
        "MCP_ADMIN_BOOTSTRAP_KEY: a platform-admin API key accepted from the start");
    add("trusted-proxies", po::value<std::string>()->value_name("LIST"),
        "MCP_ADMIN_TRUSTED_PROXIES: comma list of proxy IPs whose X-Forwarded-For is believed");
    add("public-url", po::value<std::string>()->value_name("URL"),
        "MCP_ADMIN_PUBLIC_URL: the public base URL MCP clients use (OAuth protected-resource metadata)");
    add("clerk-issuer", po::value<std::string>()->value_name("URL"),
        "CLERK_ISSUER: Clerk's Frontend API URL, the iss of its tokens (default: from the publishable key)");
    add("oauth-allow-missing-audience", po::value<std::string>()->value_name("BOOL"),
        "MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE: accept access tokens without aud (default false)");
    add("role-map", po::value<std::string>()->value_name("MAP"),
        "CLERK_ROLE_MAP: extra Clerk roles, e.g. org:owner=ADMIN,org:billing=VIEWER");
    add("http-threads", po::value<std::string>()->value_name("N"),
        "MCP_ADMIN_HTTP_THREADS: threads that run requests; waiting connections hold none (default 64)");
    add("max-connections", po::value<std::string>()->value_name("N"),
        "MCP_ADMIN_MAX_CONNECTIONS: open connections; more are refused with 503 (default 20000)");
    add("tls-cert", po::value<std::string>()->value_name("FILE"), "MCP_ADMIN_TLS_CERT: serve HTTPS with this PEM certificate");
    add("tls-key", po::value<std::string>()->value_name("FILE"), "MCP_ADMIN_TLS_KEY: the certificate's PEM private key");
    add("clerk-sync-every", po::value<std::string>()->value_name("DURATION"),
        "MCP_ADMIN_CLERK_SYNC_EVERY: run `clerk sync` in the background this often (e.g. 6h; needs CLERK_SECRET_KEY)");
    add("clerk-secret-key", po::value<std::string>()->value_name("sk_…"),
        "CLERK_SECRET_KEY: the instance's secret key (Backend API), for --clerk-sync-every");
    add("clerk-api-url", po::value<std::string>()->value_name("URL"),
        "CLERK_API_URL: the Backend API base (default https://api.clerk.com)");
    add("oauth-client-id", po::value<std::string>()->value_name("ID"),
        "MCP_ADMIN_OAUTH_CLIENT_ID: the Clerk OAuth application the admin page signs in with");
    add("oauth-client-secret", po::value<std::string>()->value_name("SECRET"),
        "MCP_ADMIN_OAUTH_CLIENT_SECRET: that application's client secret");
  }
  if (which & kLoggingFlags) {
    add("env", po::value<std::string>()->value_name("NAME"),
        "MCP_ADMIN_ENV / NODE_ENV: environment name; production refuses push --force-reset (default development)");
    add("log-level", po::value<std::string>()->value_name("LEVEL"), "LOG_LEVEL: debug|info|warn|error|off (default info)");
    add("log-format", po::value<std::string>()->value_name("FORMAT"),
        "LOG_FORMAT: text|json (default text on a terminal, json otherwise)");
  }
}

bool parse_command(const CommandSpec& spec, po::options_description& options,
                   const po::positional_options_description& positional, const std::vector<std::string>& args,
                   po::variables_map& vm) {
  options.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args)
                  .options(options)
                  .positional(positional)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(spec.name + ": " + e.what() + " (see mcp-admin " + spec.name + " --help)");
  }
  if (vm.count("help")) {
    // Positional words (`migrate status`, `apikey revoke ID`) are options only inside the parser:
    // the synopsis shows them, the option list does not.
    std::set<std::string> positional_names;
    unsigned positions = std::min(positional.max_total_count(), 16u);
    for (unsigned idx = 0; idx < positions; ++idx) positional_names.insert(positional.name_for_position(idx));
    po::options_description visible("Options");
    for (const auto& option : options.options()) {
      if (!positional_names.count(option->long_name())) visible.add(option);
    }
    std::cout << "Usage: mcp-admin " << spec.synopsis << "\n\n" << spec.summary << "\n\n" << visible << std::flush;
    return false;
  }
  return true;
}

app::Config load_config(const po::variables_map& vm, unsigned which) {
  std::map<std::string, std::string> flags;
  for (const auto& [flag, variable] : flag_variables()) {
    if (vm.count(flag)) flags[variable] = vm[flag].as<std::string>();
  }
  try {
    app::ConfigSources sources = app::gather_sources(flags, std::filesystem::current_path());
    for (auto* layer : {&sources.dotenv, &sources.dotenv_local, &sources.environment, &sources.flags}) {
      keep_used(*layer, which);
    }
    app::Config config = app::resolve_config(sources, ::isatty(STDERR_FILENO) == 1);
    util::configure_logging(config.log_level, config.log_format);
    return config;
  } catch (const app::ConfigError& e) {
    throw UsageError(e.what());
  }
}

}  // namespace mcp::cli
