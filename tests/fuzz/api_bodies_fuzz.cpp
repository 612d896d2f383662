// Every route that reads a body, through the real router, the real handlers and an in-memory
// SQLite database: the /api/v1 JSON bodies (JsonBody and each route's field readers, with a
// platform-admin key) and the Clerk webhook route (bodies signed here with the configured secret,
// so they reach the parser and the sync rules). Input: one byte choosing the route, then the body.
// Property: a request is never answered 5xx, and never throws out of the router.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/app.h"
#include "app/authenticator.h"
#include "fuzz_input.h"
#include "fuzz_request.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/time.h"

namespace {

constexpr const char* kAdminKey = "mcp_sk_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz01";
constexpr const char* kWebhookSecret = "whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32";
constexpr const char* kClerkUserId = "user_2g7np7Hrk0SN6kj5rDMLmVsz1nM";
// The database is made afresh every this many inputs, so that what successful creates add stays bounded.
constexpr int kInputsPerDatabase = 20000;

struct Target {
  std::string method;
  std::string path;
};

class Fixture {
 public:
  Fixture() {
    mcp::util::configure_logging(mcp::util::LogLevel::Off, mcp::util::LogFormat::Text);
    mcp::app::Config config;
    config.database_url_text = ":memory:";
    config.database = mcp::storage::parse_database_url(":memory:");
    config.webhook_secrets = {kWebhookSecret};
    config.log_level = mcp::util::LogLevel::Error;
    auto db = mcp::storage::open_database(config.database);
    mcp::storage::apply_migrations(*db, mcp::storage::embedded_migrations());
    mcp::app::ensure_bootstrap_key(*db, kAdminKey);
    app_ = std::make_unique<mcp::app::App>(std::move(config), std::move(db));
    mcp::http::add_webhook_routes(router_, *app_);
    mcp::http::add_organization_routes(router_, *app_);
    mcp::http::add_user_routes(router_, *app_);
    mcp::http::add_mcp_server_routes(router_, *app_);
    mcp::http::add_service_routes(router_, *app_);
    mcp::http::add_api_key_routes(router_, *app_);
    mcp::http::add_session_routes(router_, *app_);

    // Rows for the path parameters to name, so that handlers get past their lookups.
    org_id_ = created_id("POST", "/api/v1/organizations", R"({"name":"Fuzz Org","slug":"fuzz-org"})");
    server_id_ = created_id("POST", "/api/v1/mcp-servers",
                            R"({"slug":"fuzz-server","name":"Fuzz","transport":"streamable-http","url":"https://mcp.example.com/"})");
    dispatch("POST", "/api/webhooks/clerk",
             R"({"data":{"id":")" + std::string(kClerkUserId) +
                 R"(","object":"user","first_name":"Ada","email_addresses":[],"created_at":1716883200000,"updated_at":1716883200000},"object":"event","type":"user.created","timestamp":1716883200123,"instance_id":"ins_x"})");

    for (const auto& route : router_.routes()) {
      if (route.method == "POST" || route.method == "PUT" || route.method == "PATCH") {
        targets_.push_back({route.method, concrete_path(route.pattern)});
      }
    }
  }

  // Answers one request; the status it got.
  int dispatch(const std::string& method, const std::string& path, const std::string& body) {
    mcp::fuzz::RequestSpec spec;
    spec.method = method;
    spec.path = path;
    spec.body = body;
    spec.headers = {{"Content-Type", "application/json"}, {"Authorization", std::string("Bearer ") + kAdminKey}};
    if (path == "/api/webhooks/clerk") {
      std::string id = "msg_fuzz_" + std::to_string(++deliveries_);
      std::string timestamp = std::to_string(mcp::util::now_ms() / 1000);
      static const std::string key = *mcp::util::base64_decode(std::string_view(kWebhookSecret).substr(6));
      std::string signature =
          "v1," + mcp::util::base64_encode(mcp::util::hmac_sha256(key, id + "." + timestamp + "." + body));
      spec.headers.insert(spec.headers.end(), {{"svix-id", id}, {"svix-timestamp", timestamp}, {"svix-signature", signature}});
    }
    auto req = mcp::fuzz::make_request(spec);
    mcp::fuzz::Response res;
    router_.dispatch(req, res);
    last_body_ = res.body;
    return res.status;
  }

  const std::vector<Target>& targets() const { return targets_; }

 private:
  std::string created_id(const std::string& method, const std::string& path, const std::string& body) {
    int status = dispatch(method, path, body);
    auto json = nlohmann::json::parse(last_body_, nullptr, false);
    if (status != 201 || !json.is_object() || !json.contains("id")) return "fuzz_missing";
    return json["id"].get<std::string>();
  }

  // The pattern with each {param} replaced by the fixture's row of that kind.
  std::string concrete_path(const std::string& pattern) const {
    std::string path = pattern;
    auto replace = [&](const std::string& from, const std::string& to) {
      for (size_t at = path.find(from); at != std::string::npos; at = path.find(from)) path.replace(at, from.size(), to);
    };
    replace("/mcp-servers/{id}", "/mcp-servers/" + server_id_);
    replace("/organizations/{id}", "/organizations/" + org_id_);
    replace("{server_id}", server_id_);
    replace("{user_id}", kClerkUserId);
    replace("{key_id}", "fuzz_key");
    replace("{id}", "fuzz_id");
    return path;
  }

  std::unique_ptr<mcp::app::App> app_;
  mcp::http::Router router_;
  std::string org_id_, server_id_, last_body_;
  std::vector<Target> targets_;
  uint64_t deliveries_ = 0;
};

std::unique_ptr<Fixture> g_fixture;

// The fixture's threads must end before OpenSSL's own atexit cleanup: a thread that ends after it
// leaves its per-thread DRBG behind (LeakSanitizer reports it). Registered after the first fixture
// initialized OpenSSL, so it runs first (atexit is last in, first out).
void release_fixture() { g_fixture.reset(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int inputs = 0;
  if (!g_fixture || ++inputs % kInputsPerDatabase == 0) {
    bool first = !g_fixture;
    g_fixture.reset();
    g_fixture = std::make_unique<Fixture>();
    if (first) std::atexit(release_fixture);
  }
  auto& fixture = g_fixture;
  mcp::fuzz::FieldReader input(data, size);
  const auto& targets = fixture->targets();
  const Target& target = targets[input.byte() % targets.size()];
  int status = fixture->dispatch(target.method, target.path, std::string(input.rest()));
  if (status >= 500) mcp::fuzz::property_failed("a request body was answered 5xx");
  return 0;
}
