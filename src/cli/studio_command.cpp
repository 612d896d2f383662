// studio: serve exactly as `serve` does, and print the URL of the admin page already signed in, for
// a developer's browser (README "`mcp-admin studio`").
//
// The URL carries a platform-admin API key minted for this run: it expires after kStudioKeyLifetime
// and is revoked when studio stops cleanly (SIGINT/SIGTERM), so a studio killed with -9 leaves a key
// that still dies on its own within hours. The key travels in the URL's fragment (#key=…), which
// browsers never send to a server; the page moves it to sessionStorage and removes it from the
// address bar. The key is printed once on stdout, never logged.
//
// Refused in production (exit 2): a platform-admin key printed on a terminal is a development
// convenience; production operators use `serve` and `apikey create --platform`.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "cli/api_key_actions.h"
#include "cli/commands.h"
#include "cli/serve_runner.h"
#include "util/log.h"
#include "util/time.h"

namespace mcp::cli {

namespace {

constexpr int64_t kStudioKeyLifetimeMs = int64_t{4} * 3'600'000;  // one working session
constexpr const char* kStudioActor = "studio";

}  // namespace

int run_studio(const Args& args) {
  CommandSpec spec{
      "studio",
      "studio [serve's options: --host H --port P --database URL --seed ...]",
      "Serves exactly as `serve` does, then mints a platform-admin API key that expires in 4 hours and\n"
      "prints a second stdout line with the admin page's URL, signed in by the key in its fragment:\n"
      "  {\"event\":\"listening\",\"url\":\"http://127.0.0.1:3000\"}\n"
      "  {\"event\":\"studio\",\"url\":\"http://127.0.0.1:3000/#key=mcp_sk_...\",\"expires_at\":\"...\"}\n"
      "SIGTERM or SIGINT revokes the key, then stops as serve does. Refused when the environment is\n"
      "production (use serve and `apikey create --platform` there)."};
  po::options_description options("Options");
  add_serve_options(options);
  po::variables_map vm;
  if (!parse_command(spec, options, {}, args, vm)) return 0;
  app::Config config = load_serve_config(vm);
  if (config.is_production()) {
    throw UsageError(
        "studio: refused in production (it prints a platform-admin key for a browser); use `mcp-admin serve` "
        "and create a key with `mcp-admin apikey create --platform --name NAME --expires-in 8h`");
  }

  std::optional<storage::ApiKeyRecord> minted;
  ServeHooks hooks;
  hooks.on_listening = [&](app::App& app, const std::string& url) {
    MintedKey key = mint_api_key(app.database(), std::nullopt, "studio (expires in 4h, revoked when studio stops)",
                                 "ADMIN", kStudioKeyLifetimeMs, kStudioActor);
    minted = key.record;
    std::string expires_at = util::format_iso8601_ms(*key.record.expires_at);
    std::cout << nlohmann::json{{"event", "studio"}, {"url", url + "/#key=" + key.secret.secret},
                                {"expires_at", expires_at}}
                     .dump()
              << std::endl;
    util::log_info("studio: open the \"studio\" URL printed on standard output to browse as a platform admin",
                   {{"page", url + "/"}, {"key_prefix", key.record.prefix}, {"expires_at", expires_at}});
  };
  hooks.on_stopped = [&](app::App& app) {
    if (!minted) return;
    RevokedKey revoked = revoke_api_key(app.database(), minted->id, false, kStudioActor);
    util::log_info("studio: its API key is revoked", {{"key_prefix", minted->prefix}, {"revoked_now", revoked.revoked_now}});
  };
  return serve_until_stopped(std::move(config), hooks);
}

}  // namespace mcp::cli
