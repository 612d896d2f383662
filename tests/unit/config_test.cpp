// Configuration (src/app/config.*): precedence, defaults and validation of README "Configuration".
#include "app/config.h"

#include <doctest/doctest.h>

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"

using mcp::app::Config;
using mcp::app::ConfigError;
using mcp::app::ConfigSources;
using mcp::app::gather_sources;
using mcp::app::known_variables;
using mcp::app::resolve_config;
using mcp::storage::DatabaseUrl;
using mcp::util::LogFormat;
using mcp::util::LogLevel;

namespace {

using Layer = std::map<std::string, std::string> ConfigSources::*;

// Highest first, as README "Configuration" orders them.
constexpr std::array<Layer, 4> kLayersHighestFirst{&ConfigSources::flags, &ConfigSources::environment,
                                                   &ConfigSources::dotenv_local, &ConfigSources::dotenv};
constexpr std::array<const char*, 4> kLayerNames{"flags", "environment", ".env.local", ".env"};

// The message of the ConfigError that resolving `sources` throws ("" when none is thrown).
std::string config_error(const ConfigSources& sources) {
  try {
    resolve_config(sources, true);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

ConfigSources flags_only(std::map<std::string, std::string> flags) {
  ConfigSources sources;
  sources.flags = std::move(flags);
  return sources;
}

// Unsets every variable mcp-admin reads for the scope, so that the runner's environment cannot leak in.
struct CleanEnvironment {
  mcp::test::ScopedEnv env;
  CleanEnvironment() {
    for (const auto& name : known_variables()) env.unset(name);
  }
};

}  // namespace

TEST_CASE("config: defaults when no layer sets anything") {
  Config config = resolve_config(ConfigSources{}, true);
  CHECK(config.database_url_text == "file:./mcp_admin.db");
  CHECK(config.database.kind == DatabaseUrl::Kind::SqliteFile);
  CHECK(config.database.sqlite_path == "./mcp_admin.db");
  CHECK(config.host == "127.0.0.1");
  CHECK(config.port == 3000);
  CHECK(config.environment == "development");
  CHECK_FALSE(config.is_production());
  CHECK(config.log_level == LogLevel::Info);
  CHECK(config.webhook_secrets.empty());
  CHECK_FALSE(config.jwt_key.has_value());
  CHECK_FALSE(config.jwks_file.has_value());
  CHECK(config.authorized_parties.empty());
  CHECK_FALSE(config.bootstrap_key.has_value());
  CHECK_FALSE(config.tls_cert.has_value());
  CHECK_FALSE(config.tls_key.has_value());
  CHECK(config.http_threads == 64);
}

TEST_CASE("config: log format defaults to text on a terminal and json otherwise; LOG_FORMAT overrides") {
  CHECK(resolve_config(ConfigSources{}, true).log_format == LogFormat::Text);
  CHECK(resolve_config(ConfigSources{}, false).log_format == LogFormat::Json);
  CHECK(resolve_config(flags_only({{"LOG_FORMAT", "json"}}), true).log_format == LogFormat::Json);
  CHECK(resolve_config(flags_only({{"LOG_FORMAT", "text"}}), false).log_format == LogFormat::Text);
  ConfigSources from_dotenv;
  from_dotenv.dotenv = {{"LOG_FORMAT", "text"}};
  CHECK(resolve_config(from_dotenv, false).log_format == LogFormat::Text);
}

namespace {

// One variable, a distinct value per layer, and how to read the resolved value back.
struct PrecedenceCase {
  const char* variable;
  std::array<const char*, 4> value_by_layer;  // flags, environment, .env.local, .env
  std::string default_value;
  std::string (*resolved)(const Config&);
};

std::string level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    case LogLevel::Off: return "off";
  }
  return "?";
}

}  // namespace

TEST_CASE("config: flags > environment > .env.local > .env > defaults, for every combination of layers") {
  const PrecedenceCase cases[] = {
      {"PORT", {"4004", "4003", "4002", "4001"}, "3000", [](const Config& c) { return std::to_string(c.port); }},
      {"HOST", {"::1", "0.0.0.0", "10.0.0.2", "10.0.0.1"}, "127.0.0.1", [](const Config& c) { return c.host; }},
      {"DATABASE_URL", {"file:./flags.db", "sqlite:./environment.db", "file:///tmp/local.db", "file:./dotenv.db"},
       "file:./mcp_admin.db", [](const Config& c) { return c.database_url_text; }},
      {"LOG_LEVEL", {"off", "error", "warn", "debug"}, "info", [](const Config& c) { return level_name(c.log_level); }},
      {"MCP_ADMIN_ENV", {"production", "staging", "test", "preview"}, "development",
       [](const Config& c) { return c.environment; }},
      {"NODE_ENV", {"production", "staging", "test", "preview"}, "development",
       [](const Config& c) { return c.environment; }},
      {"CLERK_ROLE_MAP", {"a=ADMIN", "b=ADMIN", "c=ADMIN", "d=ADMIN"}, "", [](const Config& c) { return c.role_map; }},
  };
  for (const auto& c : cases) {
    // Every subset of the four layers: bit k set means layer k (highest first) has the variable.
    for (unsigned mask = 0; mask < 16; ++mask) {
      ConfigSources sources;
      std::string expected = c.default_value;
      std::string winner = "default";
      for (int layer_idx = 3; layer_idx >= 0; --layer_idx) {
        if (mask & (1u << layer_idx)) {
          (sources.*kLayersHighestFirst[layer_idx])[c.variable] = c.value_by_layer[layer_idx];
          expected = c.value_by_layer[layer_idx];
          winner = kLayerNames[layer_idx];
        }
      }
      INFO(std::string(c.variable) << " set in layers mask " << mask << ", expected winner " << winner);
      CHECK(c.resolved(resolve_config(sources, true)) == expected);
    }
  }
}

TEST_CASE("config: an empty value in a higher layer unsets the variable of the lower ones") {
  struct Case {
    const char* what;
    Layer empty_in;
    Layer set_in;
  };
  const Case cases[] = {
      {".env.local unsets .env", &ConfigSources::dotenv_local, &ConfigSources::dotenv},
      {"environment unsets .env.local", &ConfigSources::environment, &ConfigSources::dotenv_local},
      {"environment unsets .env", &ConfigSources::environment, &ConfigSources::dotenv},
      {"flags unset environment", &ConfigSources::flags, &ConfigSources::environment},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.what));
    ConfigSources sources;
    sources.*c.set_in = {{"PORT", "4000"},
                         {"HOST", "0.0.0.0"},
                         {"DATABASE_URL", "file:./lower.db"},
                         {"LOG_LEVEL", "debug"},
                         {"MCP_ADMIN_BOOTSTRAP_KEY", "mcp_sk_0123456789abcdef0123456789abcdef0123456789a"}};
    sources.*c.empty_in = {
        {"PORT", ""}, {"HOST", ""}, {"DATABASE_URL", ""}, {"LOG_LEVEL", ""}, {"MCP_ADMIN_BOOTSTRAP_KEY", ""}};
    Config config = resolve_config(sources, true);
    CHECK(config.port == 3000);
    CHECK(config.host == "127.0.0.1");
    CHECK(config.database.sqlite_path == "./mcp_admin.db");
    CHECK(config.log_level == LogLevel::Info);
    CHECK_FALSE(config.bootstrap_key.has_value());
  }
  SUBCASE("an empty value below a set one does not unset it") {
    ConfigSources sources;
    sources.dotenv = {{"PORT", ""}};
    sources.dotenv_local = {{"PORT", "4100"}};
    CHECK(resolve_config(sources, true).port == 4100);
  }
}

TEST_CASE("config: MCP_ADMIN_ENV beats NODE_ENV") {
  SUBCASE("both in the same layer") {
    for (Layer layer : kLayersHighestFirst) {
      ConfigSources sources;
      sources.*layer = {{"NODE_ENV", "production"}, {"MCP_ADMIN_ENV", "staging"}};
      Config config = resolve_config(sources, true);
      CHECK(config.environment == "staging");
      CHECK_FALSE(config.is_production());
    }
  }
  SUBCASE("--env over NODE_ENV from the environment") {
    ConfigSources sources;
    sources.flags = {{"MCP_ADMIN_ENV", "production"}};
    sources.environment = {{"NODE_ENV", "development"}};
    Config config = resolve_config(sources, true);
    CHECK(config.environment == "production");
    CHECK(config.is_production());
  }
  SUBCASE("NODE_ENV alone is honoured, and an empty MCP_ADMIN_ENV falls back to it") {
    ConfigSources sources;
    sources.environment = {{"NODE_ENV", "production"}, {"MCP_ADMIN_ENV", ""}};
    CHECK(resolve_config(sources, true).is_production());
  }
}

TEST_CASE("config: values that are accepted") {
  SUBCASE("ports at the edges") {
    CHECK(resolve_config(flags_only({{"PORT", "0"}}), true).port == 0);
    CHECK(resolve_config(flags_only({{"PORT", "1"}}), true).port == 1);
    CHECK(resolve_config(flags_only({{"PORT", "65535"}}), true).port == 65535);
  }
  SUBCASE("log levels") {
    const std::pair<const char*, LogLevel> levels[] = {{"debug", LogLevel::Debug}, {"info", LogLevel::Info},
                                                       {"warn", LogLevel::Warn},   {"warning", LogLevel::Warn},
                                                       {"error", LogLevel::Error}, {"off", LogLevel::Off}};
    for (const auto& [text, level] : levels) {
      INFO(std::string(text));
      CHECK(resolve_config(flags_only({{"LOG_LEVEL", text}}), true).log_level == level);
    }
  }
  SUBCASE("several webhook secrets during rotation, separated by spaces or tabs") {
    Config config = resolve_config(
        flags_only({{"CLERK_WEBHOOK_SECRET", "  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \t whsec_dGVzdA==  "}}), true);
    REQUIRE(config.webhook_secrets.size() == 2);
    CHECK(config.webhook_secrets[0] == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    CHECK(config.webhook_secrets[1] == "whsec_dGVzdA==");
  }
  SUBCASE("authorized parties: a comma list, trimmed, empty items dropped") {
    Config config =
        resolve_config(flags_only({{"CLERK_AUTHORIZED_PARTIES", "https://a.example, https://b.example ,,"}}), true);
    CHECK(config.authorized_parties == std::vector<std::string>{"https://a.example", "https://b.example"});
  }
  SUBCASE("the TLS pair, both given and readable") {
    mcp::test::TempDir dir;
    mcp::test::write_file(dir / "cert.pem", "-----BEGIN CERTIFICATE-----\n");
    mcp::test::write_file(dir / "key.pem", "-----BEGIN PRIVATE KEY-----\n");
    Config config = resolve_config(flags_only({{"MCP_ADMIN_TLS_CERT", (dir / "cert.pem").string()},
                                               {"MCP_ADMIN_TLS_KEY", (dir / "key.pem").string()}}),
                                   true);
    CHECK(config.tls_cert == (dir / "cert.pem").string());
    CHECK(config.tls_key == (dir / "key.pem").string());
  }
  SUBCASE("hosts: addresses and names") {
    for (const char* host : {"127.0.0.1", "0.0.0.0", "::", "::1", "fe80::1", "localhost", "mcp.internal", "db-1"}) {
      INFO(host);
      CHECK(resolve_config(flags_only({{"HOST", host}}), true).host == host);
    }
  }
  SUBCASE("scheduled backups") {
    Config config = resolve_config(flags_only({{"MCP_ADMIN_BACKUP_DIR", "/var/backups/mcp"},
                                               {"MCP_ADMIN_BACKUP_INTERVAL", "6h"},
                                               {"MCP_ADMIN_BACKUP_KEEP", "7"}}),
                                   true);
    CHECK(config.backup_dir == "/var/backups/mcp");
    CHECK(config.backup_interval_ms == 6 * 3600 * 1000);
    CHECK(config.backup_keep == 7);
    Config defaults = resolve_config(flags_only({}), true);
    CHECK_FALSE(defaults.backup_dir);
    CHECK(defaults.backup_interval_ms == 3600 * 1000);
    CHECK(defaults.backup_keep == 24);
  }
  SUBCASE("a PostgreSQL URL") {
    Config config = resolve_config(flags_only({{"DATABASE_URL", "postgresql://u:p@db:5432/app?schema=mcp"}}), true);
    CHECK(config.database.kind == DatabaseUrl::Kind::Postgres);
    CHECK(config.database.postgres_schema == "mcp");
  }
}

namespace {

struct BadValueCase {
  const char* variable;
  const char* value;
  const char* mentions;  // the message must name the problem
};

}  // namespace

TEST_CASE("config: every bad value is a ConfigError that names the setting") {
  const BadValueCase cases[] = {
      {"PORT", "70000", "PORT"},
      {"PORT", "65536", "PORT"},
      {"PORT", "-1", "PORT"},
      {"PORT", "3k", "PORT"},
      {"PORT", "abc", "PORT"},
      {"PORT", "30.5", "PORT"},
      {"PORT", " 3000", "PORT"},
      {"PORT", "+3000", "PORT"},
      {"PORT", "99999999999999999999", "PORT"},
      {"CLERK_WEBHOOK_SECRET", "whsec_", "whsec_"},
      {"LOG_LEVEL", "verbose", "LOG_LEVEL"},
      {"LOG_LEVEL", "trace", "LOG_LEVEL"},
      {"LOG_FORMAT", "xml", "LOG_FORMAT"},
      {"LOG_FORMAT", "pretty", "LOG_FORMAT"},
      {"MCP_ADMIN_HTTP_THREADS", "0", "MCP_ADMIN_HTTP_THREADS"},
      {"MCP_ADMIN_HTTP_THREADS", "many", "MCP_ADMIN_HTTP_THREADS"},
      {"CLERK_JWT_KEY", "not a pem", "CLERK_JWT_KEY"},
      {"CLERK_JWKS_FILE", "/nonexistent/mcp-admin/jwks.json", "CLERK_JWKS_FILE"},
      {"DATABASE_URL", "mysql://u:p@h/db", "DATABASE_URL"},
      {"DATABASE_URL", "./relative.db", "did you mean file:./relative.db"},
      {"HOST", "127.0.0.1:3000", "HOST '127.0.0.1:3000' is not an IP address or a host name"},
      {"HOST", "not a host", "HOST"},
      {"HOST", "http://localhost", "HOST"},
      {"HOST", "[::1]", "HOST"},
      {"HOST", "a..b", "HOST"},
      {"MCP_ADMIN_BACKUP_INTERVAL", "500ms", "MCP_ADMIN_BACKUP_INTERVAL"},
      {"MCP_ADMIN_BACKUP_INTERVAL", "0s", "MCP_ADMIN_BACKUP_INTERVAL"},
      {"MCP_ADMIN_BACKUP_INTERVAL", "6", "MCP_ADMIN_BACKUP_INTERVAL"},
      {"MCP_ADMIN_BACKUP_KEEP", "0", "MCP_ADMIN_BACKUP_KEEP"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.variable) << "=" << c.value);
    std::string message = config_error(flags_only({{c.variable, c.value}}));
    CHECK(message.find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("config: a bad secret is refused without being echoed") {
  struct Case {
    const char* what;
    const char* variable;
    std::string value;
    std::string secret;  // the part that must never appear in the message
  };
  const Case cases[] = {
      {"no whsec_ prefix", "CLERK_WEBHOOK_SECRET", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
      {"Stripe-style prefix", "CLERK_WEBHOOK_SECRET", "sk_live_S3cr3tV4lu3Xy", "S3cr3tV4lu3Xy"},
      {"bad base64 after whsec_", "CLERK_WEBHOOK_SECRET", "whsec_S3cr3t!!not*base64", "S3cr3t!!not*base64"},
      {"truncated base64 after whsec_", "CLERK_WEBHOOK_SECRET", "whsec_S3cr3", "S3cr3"},
      {"second of two is bad", "CLERK_WEBHOOK_SECRET", "whsec_dGVzdA== whsec_Zm9v%%b2Fy", "Zm9v%%b2Fy"},
      {"bootstrap key without mcp_sk_", "MCP_ADMIN_BOOTSTRAP_KEY", "sk_S3cr3tBootstrapValue", "S3cr3tBootstrapValue"},
      {"database password with a bad port", "DATABASE_URL", "postgresql://admin:hunter2S3cret@db:99999/app",
       "hunter2S3cret"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.what));
    std::string message = config_error(flags_only({{c.variable, c.value}}));
    CHECK(message.find(c.variable) != std::string::npos);
    CHECK(message.find(c.secret) == std::string::npos);
  }
  CHECK(config_error(flags_only({{"CLERK_WEBHOOK_SECRET", "abc"}})).find("whsec_") != std::string::npos);
}

TEST_CASE("config: --tls-cert and --tls-key go together") {
  mcp::test::TempDir dir;
  mcp::test::write_file(dir / "cert.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string cert = (dir / "cert.pem").string();
  const std::string missing = (dir / "missing.pem").string();

  std::string only_cert = config_error(flags_only({{"MCP_ADMIN_TLS_CERT", cert}}));
  CHECK(only_cert.find("--tls-cert") != std::string::npos);
  CHECK(only_cert.find("--tls-key") != std::string::npos);

  std::string only_key = config_error(flags_only({{"MCP_ADMIN_TLS_KEY", cert}}));
  CHECK(only_key.find("--tls-cert") != std::string::npos);

  // The pair may come from different layers.
  ConfigSources split_layers;
  split_layers.dotenv = {{"MCP_ADMIN_TLS_CERT", cert}};
  split_layers.flags = {{"MCP_ADMIN_TLS_KEY", cert}};
  CHECK(config_error(split_layers).empty());

  // An empty value in a higher layer breaks the pair.
  ConfigSources unset_key = split_layers;
  unset_key.environment = {{"MCP_ADMIN_TLS_KEY", ""}};
  unset_key.flags.clear();
  CHECK_FALSE(config_error(unset_key).empty());

  std::string unreadable = config_error(flags_only({{"MCP_ADMIN_TLS_CERT", cert}, {"MCP_ADMIN_TLS_KEY", missing}}));
  CHECK(unreadable.find(missing) != std::string::npos);
}

TEST_CASE("config: gather_sources reads .env, .env.local and the process environment") {
  CleanEnvironment clean;
  mcp::test::TempDir dir;
  mcp::test::write_file(dir / ".env",
                        "PORT=4001\nHOST=10.0.0.1\nDATABASE_URL=file:./from-dotenv.db\nLOG_LEVEL=debug\n"
                        "NODE_ENV=production\n");
  mcp::test::write_file(dir / ".env.local",
                        "# the seed's file: names mcp-admin does not use are ignored\r\n"
                        "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_test_abc\r\n"
                        "PORT=4002\r\nDATABASE_URL=\"file:./from-local.db\"\r\n");

  SUBCASE("each layer wins where the higher ones are silent") {
    clean.env.set("PORT", "4003");
    clean.env.set("NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "pk_from_environment");
    clean.env.set("NEXT_PUBLIC_CLERK_SIGN_IN_URL", "/sign-in");
    ConfigSources sources = gather_sources({{"HOST", "::1"}}, dir.path());
    CHECK(sources.dotenv.at("PORT") == "4001");
    CHECK(sources.dotenv_local.at("PORT") == "4002");
    CHECK(sources.environment.at("PORT") == "4003");
    // The publishable key is read (it names Clerk's issuer); the seed's other names are not.
    CHECK(sources.environment.at("NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY") == "pk_from_environment");
    CHECK(sources.environment.count("NEXT_PUBLIC_CLERK_SIGN_IN_URL") == 0);
    CHECK(sources.flags.at("HOST") == "::1");

    Config config = resolve_config(sources, true);
    CHECK(config.port == 4003);
    CHECK(config.host == "::1");
    CHECK(config.database.sqlite_path == "./from-local.db");
    CHECK(config.log_level == LogLevel::Debug);
    CHECK(config.environment == "production");
    CHECK_FALSE(config.clerk_issuer.has_value());  // "pk_from_environment" names no host: ignored
  }
  SUBCASE("without the environment variable, .env.local wins") {
    Config config = resolve_config(gather_sources({}, dir.path()), true);
    CHECK(config.port == 4002);
    CHECK(config.host == "10.0.0.1");
  }
  SUBCASE("a flag beats the environment") {
    clean.env.set("PORT", "4003");
    CHECK(resolve_config(gather_sources({{"PORT", "4004"}}, dir.path()), true).port == 4004);
  }
  SUBCASE("an empty environment variable unsets the dotenv files' value") {
    clean.env.set("PORT", "");
    clean.env.set("DATABASE_URL", "");
    Config config = resolve_config(gather_sources({}, dir.path()), true);
    CHECK(config.port == 3000);
    CHECK(config.database.sqlite_path == "./mcp_admin.db");
  }
  SUBCASE("KEY= in .env.local unsets .env") {
    mcp::test::write_file(dir / ".env.local", "PORT=\nHOST=\n");
    Config config = resolve_config(gather_sources({}, dir.path()), true);
    CHECK(config.port == 3000);
    CHECK(config.host == "127.0.0.1");
  }
  SUBCASE("MCP_ADMIN_ENV from the environment beats NODE_ENV from .env") {
    clean.env.set("MCP_ADMIN_ENV", "staging");
    CHECK(resolve_config(gather_sources({}, dir.path()), true).environment == "staging");
  }
}

TEST_CASE("config: gather_sources without dotenv files, and with a malformed one") {
  CleanEnvironment clean;
  mcp::test::TempDir dir;
  ConfigSources empty = gather_sources({}, dir.path());
  CHECK(empty.dotenv.empty());
  CHECK(empty.dotenv_local.empty());
  CHECK(empty.environment.empty());
  CHECK(resolve_config(empty, true).port == 3000);

  mcp::test::write_file(dir / ".env.local", "PORT=4000\nthis is not a setting\n");
  try {
    gather_sources({}, dir.path());
    FAIL("a malformed .env.local was accepted");
  } catch (const ConfigError& e) {
    std::string message = e.what();
    CHECK(message.find((dir / ".env.local").string() + ":2:") != std::string::npos);
  }
}

TEST_CASE("config: the highest layer naming an environment decides, MCP_ADMIN_ENV first within it") {
  using mcp::app::ConfigSources;
  auto environment_of = [](ConfigSources sources) { return mcp::app::resolve_config(sources, false).environment; };
  ConfigSources stray;
  stray.dotenv = {{"MCP_ADMIN_ENV", "development"}};
  stray.environment = {{"NODE_ENV", "production"}};
  CHECK(environment_of(stray) == "production");
  ConfigSources same_layer;
  same_layer.environment = {{"NODE_ENV", "production"}, {"MCP_ADMIN_ENV", "staging"}};
  CHECK(environment_of(same_layer) == "staging");
  ConfigSources flag_wins;
  flag_wins.environment = {{"NODE_ENV", "production"}};
  flag_wins.flags = {{"MCP_ADMIN_ENV", "ci"}};
  CHECK(environment_of(flag_wins) == "ci");
}
