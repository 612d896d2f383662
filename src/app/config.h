#pragma once
// Configuration: command-line flags > process environment > .env.local > .env > defaults
// (README "Configuration"). Resolved and validated once, before anything is touched.
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/database_url.h"
#include "util/log.h"

namespace mcp::app {

// A bad setting; the message names the setting, the value's problem and what is accepted.
// The command line prints it and exits 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::string database_url_text = "file:./mcp_admin.db";
  storage::DatabaseUrl database;
  std::string host = "127.0.0.1";
  int port = 3000;
  std::vector<std::string> webhook_secrets;  // whsec_…, several during rotation
  std::optional<std::string> jwt_key;        // PEM
  std::optional<std::string> jwks_file;
  std::vector<std::string> authorized_parties;
  std::string environment = "development";
  std::optional<std::string> bootstrap_key;
  // MCP_ADMIN_TRUSTED_PROXIES: peers whose X-Forwarded-For is believed (audit rows' ip).
  std::vector<std::string> trusted_proxies;
  std::string role_map;  // CLERK_ROLE_MAP: "org:owner=ADMIN,org:billing=VIEWER"
  util::LogLevel log_level = util::LogLevel::Info;
  util::LogFormat log_format = util::LogFormat::Text;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  int http_threads = 64;  // handler threads: a request holds one while its handler runs and its answer is written
  // Open connections beyond are refused (503). Unset: 20000, or less when the open-file limit is lower.
  std::optional<size_t> max_connections;
  size_t db_pool_size = 8;  // PostgreSQL reader connections (and half as many writer connections)
  // MCP authorization (README "MCP clients: OAuth discovery"): without a public URL no metadata is served and 401s name none.
  std::optional<std::string> public_url;    // MCP_ADMIN_PUBLIC_URL, without a trailing slash
  std::optional<std::string> clerk_issuer;  // CLERK_ISSUER, or derived from NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY
  // MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE: accept access tokens without aud (authorization servers
  // without RFC 8707 resource indicators); a token whose aud names another resource is still refused.
  bool oauth_allow_missing_audience = false;
  // Clerk's Backend API (clerk sync): the secret is checked only by the commands that use it.
  std::optional<std::string> clerk_secret_key;  // CLERK_SECRET_KEY, sk_…; never logged
  // The admin page's "Sign in with Clerk": the OAuth application's client (README "Sign in with Clerk").
  std::optional<std::string> oauth_client_id;      // MCP_ADMIN_OAUTH_CLIENT_ID
  std::optional<std::string> oauth_client_secret;  // MCP_ADMIN_OAUTH_CLIENT_SECRET; never logged
  std::string clerk_api_url = "https://api.clerk.com";  // CLERK_API_URL
  std::optional<int64_t> clerk_sync_every_ms;  // MCP_ADMIN_CLERK_SYNC_EVERY (serve)
  bool no_migrate = false;
  bool seed = false;
  std::optional<std::string> fixture;  // MCP_ADMIN_FIXTURE: a world file loaded after migrating
  // Scheduled backups while serving (SQLite): where, how often, how many to keep.
  std::optional<std::string> backup_dir;                   // MCP_ADMIN_BACKUP_DIR
  int64_t backup_interval_ms = 60 * 60 * 1000;             // MCP_ADMIN_BACKUP_INTERVAL (1h)
  int backup_keep = 24;                                    // MCP_ADMIN_BACKUP_KEEP

  bool is_production() const { return environment == "production"; }
};

// The layers, each keyed by environment-variable name (flags are translated to those names).
struct ConfigSources {
  std::map<std::string, std::string> dotenv;        // ./.env
  std::map<std::string, std::string> dotenv_local;  // ./.env.local
  std::map<std::string, std::string> environment;   // the process environment (names we know only)
  std::map<std::string, std::string> flags;         // the command line
};

// The environment variables mcp-admin reads (also the keys of ConfigSources' maps).
const std::vector<std::string>& known_variables();

// Reads .env and .env.local from `directory` and the process environment. Throws ConfigError for
// an unreadable or malformed dotenv file.
ConfigSources gather_sources(const std::map<std::string, std::string>& flags, const std::filesystem::path& directory);

// Merges the layers and validates every value. Throws ConfigError.
Config resolve_config(const ConfigSources& sources, bool stderr_is_terminal);

}  // namespace mcp::app
