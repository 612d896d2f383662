#include "clients/clerk_oauth_client.h"

#include <httplib.h>

#include <cctype>
#include <cstring>

#include <nlohmann/json.hpp>

#include "clients/clerk_backend_client.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/percent_encoding.h"

namespace mcp::clients {

namespace {

bool is_loopback_http(const std::string& url) {
  for (const char* prefix : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    if (url.rfind(prefix, 0) == 0) {
      char next = url.size() > std::strlen(prefix) ? url[std::strlen(prefix)] : '/';
      if (next == ':' || next == '/') return true;
    }
  }
  return false;
}

}  // namespace

ClerkOAuthClient::ClerkOAuthClient(ClerkOAuthOptions options) : options_(std::move(options)) {
  while (!options_.issuer.empty() && options_.issuer.back() == '/') options_.issuer.pop_back();
  if (options_.issuer.rfind("https://", 0) != 0 && !is_loopback_http(options_.issuer)) {
    throw std::invalid_argument("CLERK_ISSUER '" + options_.issuer +
                                "' must be an https URL (plain http only to a loopback host) for the admin page's sign-in");
  }
}

std::string ClerkOAuthClient::exchange_code(const std::string& code, const std::string& code_verifier,
                                            const std::string& redirect_uri) {
  size_t authority = options_.issuer.find("://") + 3;
  size_t path_start = options_.issuer.find('/', authority);
  std::string origin = options_.issuer.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? "" : options_.issuer.substr(path_start);
  httplib::Client client(origin);
  client.set_connection_timeout(10);
  client.set_read_timeout(20);
  client.set_write_timeout(10);
  client.set_follow_location(false);
  if (origin.rfind("https://", 0) == 0) {
    client.set_ca_cert_path(options_.ca_file.empty() ? default_ca_file() : options_.ca_file);
    client.enable_server_certificate_verification(true);
  }
  // RFC 6749 §2.3.1: the id and secret are form-encoded before Basic.
  std::string basic =
      util::base64_encode(util::percent_encode(options_.client_id) + ":" + util::percent_encode(options_.client_secret));
  httplib::Headers headers{{"Authorization", "Basic " + basic}, {"Accept", "application/json"},
                           {"User-Agent", "mcp-admin-sign-in"}};
  std::string body = "grant_type=authorization_code&code=" + util::percent_encode(code) +
                     "&redirect_uri=" + util::percent_encode(redirect_uri) + "&code_verifier=" + util::percent_encode(code_verifier);
  auto result = client.Post(prefix + "/oauth/token", headers, body, "application/x-www-form-urlencoded");
  if (!result) {
    util::log_warn("sign-in: Clerk's token endpoint unreachable", {{"error", httplib::to_string(result.error())}});
    throw domain::SignInFailed("Clerk's token endpoint could not be reached; try again.");
  }
  auto json = nlohmann::json::parse(result->body, nullptr, false);
  if (result->status != 200) {
    std::string error = json.is_object() && json["error"].is_string() ? json["error"].get<std::string>() : "";
    util::log_warn("sign-in: Clerk refused the code", {{"status", result->status}, {"error", error}});
    throw domain::SignInFailed("Clerk refused the sign-in (" + (error.empty() ? std::to_string(result->status) : error) +
                               "); check the OAuth application's client id, secret and redirect URI.");
  }
  if (!json.is_object() || !json["id_token"].is_string()) {
    throw domain::SignInFailed("Clerk's token answer carries no id_token: give the OAuth application the openid scope.");
  }
  return json["id_token"].get<std::string>();
}

}  // namespace mcp::clients
