#include "clients/clerk_backend_client.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "util/log.h"
#include "util/percent_encoding.h"

namespace mcp::clients {

namespace {

using domain::ClerkApiError;
using nlohmann::json;

// Clerk's error body {"errors":[{"code","message",…}]}: "code: message", or "" when it is not one.
std::string clerk_error_of(const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("errors") || !parsed["errors"].is_array() || parsed["errors"].empty()) {
    return "";
  }
  const json& first = parsed["errors"][0];
  std::string code = first.is_object() && first.contains("code") && first["code"].is_string() ? first["code"].get<std::string>() : "";
  std::string message =
      first.is_object() && first.contains("message") && first["message"].is_string() ? first["message"].get<std::string>() : "";
  if (message.size() > 200) message.resize(200);
  return code.empty() ? message : message.empty() ? code : code + ": " + message;
}

// Retry-After in seconds (Clerk sends an integer); an HTTP date or nothing: one second.
int64_t retry_after_ms(const httplib::Response& response) {
  std::string value = response.get_header_value("Retry-After");
  if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit) || value.size() > 6) return 1000;
  return std::stoll(value) * 1000;
}

}  // namespace

std::string default_ca_file() {
  if (const char* file = std::getenv("SSL_CERT_FILE"); file && *file) return file;
  return "/etc/ssl/certs/ca-certificates.crt";
}

struct ClerkBackendClient::Connection {
  std::unique_ptr<httplib::Client> client;
  std::string path_prefix;  // CLERK_API_URL's path, without a trailing slash ("" for api.clerk.com)
};

ClerkBackendClient::ClerkBackendClient(ClerkBackendOptions options)
    : options_(std::move(options)), connection_(std::make_unique<Connection>()) {
  // scheme://authority[/prefix]: the config validated it (https, or http to a loopback host).
  const std::string& url = options_.api_url;
  size_t authority_start = url.find("://") + 3;
  size_t path_start = url.find('/', authority_start);
  std::string origin = url.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  // The documented base is the host; a base that already ends in /v1 is accepted as well.
  if (prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0) prefix.resize(prefix.size() - 3);
  connection_->path_prefix = prefix;
  connection_->client = std::make_unique<httplib::Client>(origin);
  httplib::Client& client = *connection_->client;
  client.set_connection_timeout(10);
  client.set_read_timeout(60);
  client.set_write_timeout(10);
  client.set_keep_alive(true);
  client.set_follow_location(false);
  if (url.rfind("https://", 0) == 0) {
    client.set_ca_cert_path(options_.ca_file.empty() ? default_ca_file() : options_.ca_file);
    client.enable_server_certificate_verification(true);
  }
  client.set_default_headers({{"Authorization", "Bearer " + options_.secret_key},
                              {"Accept", "application/json"},
                              {"User-Agent", "mcp-admin-clerk-sync"}});
}

ClerkBackendClient::~ClerkBackendClient() = default;

ClerkBackendClient::Answer ClerkBackendClient::get(const std::string& path_and_query) {
  std::string path = connection_->path_prefix + path_and_query;
  // What to name in messages: the path without its query (ids only; never the key).
  std::string what = "GET " + path.substr(0, path.find('?'));
  int64_t waited_ms = 0, backoff_ms = options_.initial_backoff_ms;
  int failures = 0;
  for (;;) {
    httplib::Result result = connection_->client->Get(path);
    int64_t wait_ms = 0;
    std::string reason;
    if (!result) {
      reason = "network error (" + httplib::to_string(result.error()) + ")";
      if (result.error() == httplib::Error::SSLServerVerification || result.error() == httplib::Error::SSLConnection) {
        throw ClerkApiError(what + ": TLS verification of " + options_.api_url + " failed (" +
                                httplib::to_string(result.error()) + "); the CA bundle is " +
                                (options_.ca_file.empty() ? default_ca_file() : options_.ca_file),
                            false);
      }
      ++failures;
      wait_ms = backoff_ms;
      backoff_ms = std::min<int64_t>(backoff_ms * 2, 30'000);
    } else {
      const httplib::Response& response = *result;
      int status = response.status;
      if (status >= 200 && status < 300) return {status, response.body};
      if (status == 401 || status == 403) {
        std::string detail = clerk_error_of(response.body);
        throw ClerkApiError("Clerk refused the secret key (HTTP " + std::to_string(status) +
                                (detail.empty() ? "" : ", " + detail) +
                                "): set CLERK_SECRET_KEY to the instance's secret key (sk_test_… or sk_live_…, "
                                "Clerk Dashboard → API keys)",
                            true);
      }
      if (status == 429) {
        wait_ms = retry_after_ms(response);
        reason = "429 Too Many Requests";
      } else if (status >= 500) {
        ++failures;
        wait_ms = backoff_ms;
        backoff_ms = std::min<int64_t>(backoff_ms * 2, 30'000);
        reason = "HTTP " + std::to_string(status);
      } else {
        if (status == 404) return {status, response.body};
        std::string detail = clerk_error_of(response.body);
        throw ClerkApiError(what + " answered HTTP " + std::to_string(status) + (detail.empty() ? "" : ": " + detail), false);
      }
    }
    if (failures >= options_.max_attempts || waited_ms + wait_ms > options_.max_total_wait_ms) {
      throw ClerkApiError(what + " failed after " + std::to_string(failures + 1) + " attempts and " +
                              std::to_string(waited_ms / 1000) + " s of waiting; last: " + reason,
                          false);
    }
    ++retries_;
    util::log_debug("Clerk Backend API request retried", {{"request", what}, {"reason", reason},
                                                           {"wait_ms", std::to_string(wait_ms)}});
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    waited_ms += wait_ms;
  }
}

domain::ClerkPage ClerkBackendClient::list(domain::ClerkListing listing, int64_t offset, int limit) {
  const char* path = listing == domain::ClerkListing::Users           ? "/v1/users"
                     : listing == domain::ClerkListing::Organizations ? "/v1/organizations"
                                                                      : "/v1/organization_memberships";
  // Oldest first: objects created during the listing land at its end instead of shifting it.
  Answer answer = get(std::string(path) + "?limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset) +
                      "&order_by=%2Bcreated_at");
  if (answer.status == 404) throw ClerkApiError(std::string("GET ") + path + " answered 404: is CLERK_API_URL right?", false);
  json body = json::parse(answer.body, nullptr, false);
  domain::ClerkPage page;
  // GET /v1/users answers a bare array; the others {data, total_count}.
  json* items = nullptr;
  if (body.is_array()) {
    items = &body;
  } else if (body.is_object() && body.contains("data") && body["data"].is_array()) {
    items = &body["data"];
    if (body.contains("total_count") && body["total_count"].is_number_integer()) {
      page.total_count = body["total_count"].get<int64_t>();
    }
  } else {
    throw ClerkApiError(std::string("GET ") + path + " answered something that is not a listing (neither a JSON array "
                        "nor {data, total_count})", false);
  }
  page.items.reserve(items->size());
  for (json& item : *items) page.items.push_back(std::move(item));
  return page;
}

std::optional<int64_t> ClerkBackendClient::count_users() {
  Answer answer = get("/v1/users/count");
  if (answer.status == 404) return std::nullopt;
  json body = json::parse(answer.body, nullptr, false);
  if (body.is_object() && body.contains("total_count") && body["total_count"].is_number_integer()) {
    return body["total_count"].get<int64_t>();
  }
  return std::nullopt;
}

bool ClerkBackendClient::user_exists(const std::string& user_id) {
  return get("/v1/users/" + util::percent_encode(user_id)).status != 404;
}

bool ClerkBackendClient::organization_exists(const std::string& organization_id) {
  return get("/v1/organizations/" + util::percent_encode(organization_id)).status != 404;
}

bool ClerkBackendClient::membership_exists(const std::string& organization_id, const std::string& user_id,
                                           const std::string& membership_id) {
  Answer answer = get("/v1/organizations/" + util::percent_encode(organization_id) +
                      "/memberships?limit=100&user_id=" + util::percent_encode(user_id));
  if (answer.status == 404) return false;
  json body = json::parse(answer.body, nullptr, false);
  if (!body.is_object() || !body.contains("data") || !body["data"].is_array()) {
    // Not a listing: keep the row (never delete on an answer we cannot read).
    return true;
  }
  for (const json& item : body["data"]) {
    if (item.is_object() && item.value("id", "") == membership_id) return true;
  }
  return false;
}

}  // namespace mcp::clients
