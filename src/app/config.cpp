#include "app/config.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "app/dotenv.h"
#include "app/oauth_settings.h"
#include "domain/api_key.h"
#include "domain/jwt_verifier.h"
#include "domain/role_map.h"
#include "util/crypto.h"
#include "util/time.h"

namespace mcp::app {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  auto flush = [&] {
    size_t start = current.find_first_not_of(" \t");
    size_t end = current.find_last_not_of(" \t");
    if (start != std::string::npos) parts.push_back(current.substr(start, end - start + 1));
    current.clear();
  };
  for (char c : text) {
    if (c == separator || (separator == ' ' && c == '\t')) flush();
    else current += c;
  }
  flush();
  return parts;
}

int parse_int_setting(const std::string& name, const std::string& value, int min, int max) {
  int out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || end != value.data() + value.size() || out < min || out > max) {
    throw ConfigError(name + " '" + value + "' is not a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max));
  }
  return out;
}

void check_webhook_secret(const std::string& secret) {
  // Never echo the secret itself.
  if (secret.rfind("whsec_", 0) != 0) {
    throw ConfigError("CLERK_WEBHOOK_SECRET: each secret must start with 'whsec_' (copy it from Clerk's webhook "
                      "endpoint page, 'Signing Secret')");
  }
  auto key = util::base64_decode(secret.substr(6));
  if (!key || key->empty()) {
    throw ConfigError("CLERK_WEBHOOK_SECRET: the part after 'whsec_' is not valid base64 (copy the whole secret "
                      "from Clerk)");
  }
}

// CLERK_API_URL: https://host[:port][/path]; plain http only to a loopback host (a test's stand-in),
// so that the secret key never crosses a network in clear.
std::string check_clerk_api_url(const std::string& url) {
  bool https = url.rfind("https://", 0) == 0, http = url.rfind("http://", 0) == 0;
  size_t start = url.find("://") + 3;
  std::string authority = (https || http) ? url.substr(start, url.find('/', start) - start) : "";
  std::string host = authority;
  if (!host.empty() && host.front() == '[') host = host.substr(0, host.find(']') + 1);
  else host = host.substr(0, host.find(':'));
  if ((!https && !http) || host.empty() || authority.find('@') != std::string::npos ||
      url.find_first_of("?# ") != std::string::npos) {
    throw ConfigError("CLERK_API_URL '" + url + "' is not a base URL like https://api.clerk.com");
  }
  if (http && host != "127.0.0.1" && host != "localhost" && host != "[::1]") {
    throw ConfigError("CLERK_API_URL '" + url + "': use https (plain http is accepted only for a loopback host, "
                      "such as a test's stand-in at http://127.0.0.1:PORT)");
  }
  return url;
}

// An IP address or a host name; a port or a URL in HOST is a mistake worth naming.
std::string checked_host(const std::string& host) {
  unsigned char address[16];
  if (inet_pton(AF_INET, host.c_str(), address) == 1 || inet_pton(AF_INET6, host.c_str(), address) == 1) return host;
  bool name = !host.empty() && host.size() <= 253 && host.front() != '-' && host.front() != '.' && host.back() != '-';
  for (char c : host) {
    name = name && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.');
  }
  if (name && host.find("..") == std::string::npos) return host;
  throw ConfigError("HOST '" + host + "' is not an IP address or a host name (e.g. 127.0.0.1, ::1, 0.0.0.0, localhost;"
                    " the port goes in PORT)");
}

}  // namespace

const std::vector<std::string>& known_variables() {
  static const std::vector<std::string> names{
      "DATABASE_URL",     "HOST",      "PORT",          "CLERK_WEBHOOK_SECRET",   "CLERK_JWT_KEY",
      "CLERK_JWKS_FILE",  "CLERK_AUTHORIZED_PARTIES",   "NODE_ENV",               "MCP_ADMIN_ENV",
      "MCP_ADMIN_BOOTSTRAP_KEY",   "LOG_LEVEL", "LOG_FORMAT", "CLERK_ROLE_MAP", "MCP_ADMIN_HTTP_THREADS", "MCP_ADMIN_MAX_CONNECTIONS",
      "MCP_ADMIN_TLS_CERT",        "MCP_ADMIN_TLS_KEY", "MCP_ADMIN_DB_POOL",
      "MCP_ADMIN_TRUSTED_PROXIES", "MCP_ADMIN_PUBLIC_URL", "CLERK_ISSUER", "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY",
      "MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE", "CLERK_SECRET_KEY", "CLERK_API_URL",
      "MCP_ADMIN_CLERK_SYNC_EVERY", "MCP_ADMIN_FIXTURE", "MCP_ADMIN_BACKUP_DIR", "MCP_ADMIN_BACKUP_INTERVAL",
      "MCP_ADMIN_BACKUP_KEEP", "MCP_ADMIN_OAUTH_CLIENT_ID", "MCP_ADMIN_OAUTH_CLIENT_SECRET"};
  return names;
}

ConfigSources gather_sources(const std::map<std::string, std::string>& flags, const std::filesystem::path& directory) {
  ConfigSources sources;
  try {
    sources.dotenv = read_dotenv_file(directory / ".env");
    sources.dotenv_local = read_dotenv_file(directory / ".env.local");
  } catch (const DotenvError& e) {
    throw ConfigError(e.what());
  }
  for (const std::string& name : known_variables()) {
    if (const char* value = std::getenv(name.c_str())) sources.environment[name] = value;
  }
  sources.flags = flags;
  return sources;
}

Config resolve_config(const ConfigSources& sources, bool stderr_is_terminal) {
  // Highest layer first; the first that has the key wins.
  const std::map<std::string, std::string>* layers[] = {&sources.flags, &sources.environment, &sources.dotenv_local,
                                                        &sources.dotenv};
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto* layer : layers) {
      auto found = layer->find(name);
      if (found != layer->end()) return found->second;
    }
    return std::nullopt;
  };
  // A non-empty value, or nothing: "KEY=" in a dotenv file means unset, as in the seed's tooling.
  auto setting = [&](const std::string& name) -> std::optional<std::string> {
    auto value = lookup(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  };

  Config config;
  if (auto v = setting("DATABASE_URL")) config.database_url_text = *v;
  try {
    config.database = storage::parse_database_url(config.database_url_text);
  } catch (const storage::InvalidDatabaseUrl& e) {
    throw ConfigError(e.what());
  }
  if (auto v = setting("HOST")) config.host = checked_host(*v);
  if (auto v = setting("PORT")) config.port = parse_int_setting("PORT", *v, 0, 65535);
  if (auto v = setting("CLERK_WEBHOOK_SECRET")) {
    config.webhook_secrets = split(*v, ' ');
    for (const auto& secret : config.webhook_secrets) check_webhook_secret(secret);
  }
  config.jwt_key = setting("CLERK_JWT_KEY");
  if (config.jwt_key && config.jwt_key->find("-----BEGIN PUBLIC KEY-----") == std::string::npos) {
    throw ConfigError("CLERK_JWT_KEY is not a PEM public key (it should start with -----BEGIN PUBLIC KEY-----; copy "
                      "the 'PEM public key' from Clerk's API keys page)");
  }
  config.jwks_file = setting("CLERK_JWKS_FILE");
  if (config.jwks_file && !std::ifstream(*config.jwks_file)) {
    throw ConfigError("CLERK_JWKS_FILE '" + *config.jwks_file + "' cannot be read");
  }
  if (auto v = setting("CLERK_AUTHORIZED_PARTIES")) config.authorized_parties = split(*v, ',');
  if (config.jwt_key || config.jwks_file) {
    // Load the keys once now, so that an unusable key is a start-up error (exit 2), not a 401 later.
    try {
      std::optional<std::string> jwks;
      if (config.jwks_file) {
        std::ifstream in(*config.jwks_file, std::ios::binary);
        jwks = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      domain::JwtVerifier check(config.jwt_key, jwks, config.authorized_parties);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string(e.what()) + (config.jwks_file ? " (CLERK_JWKS_FILE '" + *config.jwks_file + "')" : ""));
    }
  }
  // The highest layer that names an environment decides (so a stray .env line never overrides
  // NODE_ENV=production from the real environment); within one layer MCP_ADMIN_ENV, this binary's
  // own name, beats the seed's NODE_ENV.
  for (const auto* layer : layers) {
    auto own = layer->find("MCP_ADMIN_ENV");
    auto node = layer->find("NODE_ENV");
    if (own != layer->end() && !own->second.empty()) {
      config.environment = own->second;
      break;
    }
    if (node != layer->end() && !node->second.empty()) {
      config.environment = node->second;
      break;
    }
  }
  config.bootstrap_key = setting("MCP_ADMIN_BOOTSTRAP_KEY");
  if (config.bootstrap_key && !domain::api_key_prefix(*config.bootstrap_key)) {
    throw ConfigError("MCP_ADMIN_BOOTSTRAP_KEY must look like an API key: 'mcp_sk_' followed by at least 43 "
                      "base62/base64url characters");
  }
  if (auto v = setting("CLERK_ROLE_MAP")) {
    config.role_map = *v;
    try {
      domain::RoleMap check(config.role_map);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(e.what());
    }
  }
  if (auto v = setting("MCP_ADMIN_TRUSTED_PROXIES")) {
    for (const std::string& proxy : split(*v, ',')) {
      unsigned char address[16];
      if (inet_pton(AF_INET, proxy.c_str(), address) != 1 && inet_pton(AF_INET6, proxy.c_str(), address) != 1) {
        throw ConfigError("MCP_ADMIN_TRUSTED_PROXIES: '" + proxy +
                          "' is not an IP address (give the proxies' addresses, comma-separated, e.g. 127.0.0.1,::1)");
      }
      config.trusted_proxies.push_back(proxy);
    }
  }
  if (auto v = setting("MCP_ADMIN_HTTP_THREADS")) {
    config.http_threads = parse_int_setting("MCP_ADMIN_HTTP_THREADS", *v, 1, 4096);
  }

  if (auto v = setting("MCP_ADMIN_MAX_CONNECTIONS")) {
    config.max_connections = static_cast<size_t>(parse_int_setting("MCP_ADMIN_MAX_CONNECTIONS", *v, 1, 1000000));
  }

  if (auto v = setting("MCP_ADMIN_DB_POOL")) {
    config.db_pool_size = static_cast<size_t>(parse_int_setting("MCP_ADMIN_DB_POOL", *v, 1, 1000));
  }

  if (auto v = setting("LOG_LEVEL")) {
    if (*v == "debug") config.log_level = util::LogLevel::Debug;
    else if (*v == "info") config.log_level = util::LogLevel::Info;
    else if (*v == "warn" || *v == "warning") config.log_level = util::LogLevel::Warn;
    else if (*v == "error") config.log_level = util::LogLevel::Error;
    else if (*v == "off") config.log_level = util::LogLevel::Off;
    else throw ConfigError("LOG_LEVEL '" + *v + "' is not one of debug, info, warn, error, off");
  }
  config.log_format = stderr_is_terminal ? util::LogFormat::Text : util::LogFormat::Json;
  if (auto v = setting("LOG_FORMAT")) {
    if (*v == "text") config.log_format = util::LogFormat::Text;
    else if (*v == "json") config.log_format = util::LogFormat::Json;
    else throw ConfigError("LOG_FORMAT '" + *v + "' is not one of text, json");
  }

  if (auto v = setting("MCP_ADMIN_PUBLIC_URL")) config.public_url = parse_public_url(*v);
  if (auto v = setting("CLERK_ISSUER")) {
    config.clerk_issuer = parse_clerk_issuer(*v);
  } else if (auto key = setting("NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY")) {
    config.clerk_issuer = issuer_from_publishable_key(*key);
  }
  if (auto v = setting("MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE")) {
    if (*v == "true" || *v == "1") config.oauth_allow_missing_audience = true;
    else if (*v != "false" && *v != "0") {
      throw ConfigError("MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE '" + *v + "' is not one of true, false, 1, 0");
    }
  }

  config.clerk_secret_key = setting("CLERK_SECRET_KEY");
  config.oauth_client_id = setting("MCP_ADMIN_OAUTH_CLIENT_ID");
  config.oauth_client_secret = setting("MCP_ADMIN_OAUTH_CLIENT_SECRET");
  if (config.oauth_client_id.has_value() != config.oauth_client_secret.has_value()) {
    throw ConfigError(std::string(config.oauth_client_id ? "MCP_ADMIN_OAUTH_CLIENT_SECRET" : "MCP_ADMIN_OAUTH_CLIENT_ID") +
                      " is not set: the admin page's sign-in with Clerk needs both the OAuth application's client id "
                      "and its secret (Clerk Dashboard → OAuth applications)");
  }
  if (auto v = setting("CLERK_API_URL")) config.clerk_api_url = check_clerk_api_url(*v);
  if (auto v = setting("MCP_ADMIN_CLERK_SYNC_EVERY")) {
    config.clerk_sync_every_ms = util::parse_duration_ms(*v);
    if (!config.clerk_sync_every_ms || *config.clerk_sync_every_ms < 1000) {
      throw ConfigError("MCP_ADMIN_CLERK_SYNC_EVERY '" + *v + "' is not a duration of at least 1s (e.g. 30m, 6h, 1d)");
    }
  }

  config.tls_cert = setting("MCP_ADMIN_TLS_CERT");
  config.tls_key = setting("MCP_ADMIN_TLS_KEY");
  if (config.tls_cert.has_value() != config.tls_key.has_value()) {
    throw ConfigError("--tls-cert and --tls-key go together: give both, or neither");
  }
  for (const auto& file : {config.tls_cert, config.tls_key}) {
    if (file && !std::ifstream(*file)) throw ConfigError("TLS file '" + *file + "' cannot be read");
  }

  config.fixture = setting("MCP_ADMIN_FIXTURE");
  config.backup_dir = setting("MCP_ADMIN_BACKUP_DIR");
  if (auto v = setting("MCP_ADMIN_BACKUP_INTERVAL")) {
    auto interval = util::parse_duration_ms(*v);
    if (!interval || *interval < 1000) {
      throw ConfigError("MCP_ADMIN_BACKUP_INTERVAL '" + *v + "' is not a duration of at least 1s (e.g. 30m, 6h, 1d)");
    }
    config.backup_interval_ms = *interval;
  }
  if (auto v = setting("MCP_ADMIN_BACKUP_KEEP")) config.backup_keep = parse_int_setting("MCP_ADMIN_BACKUP_KEEP", *v, 1, 10000);
  return config;
}

}  // namespace mcp::app
