#include "domain/admin_sign_in.h"

#include <nlohmann/json.hpp>

#include "util/crypto.h"

namespace mcp::domain {

namespace {
std::string random_token(size_t bytes) { return util::base64url_encode(util::random_bytes(bytes)); }
}  // namespace

SignInAttempt new_sign_in_attempt(int64_t now_ms) {
  return SignInAttempt{random_token(24), random_token(32), random_token(24), now_ms + kSignInAttemptTtlMs};
}

AdminSession new_admin_session(std::string clerk_user_id, std::optional<std::string> organization_id, int64_t now_ms) {
  return AdminSession{std::move(clerk_user_id), std::move(organization_id), random_token(24),
                      now_ms + kAdminSessionTtlMs};
}

std::string pkce_challenge(std::string_view code_verifier) {
  return util::base64url_encode(util::sha256(code_verifier));
}

// A key of its own for the cookies, so that the client secret itself never signs anything here.
CookieSeal::CookieSeal(std::string_view client_secret)
    : key_(util::hmac_sha256(client_secret, "mcp-admin admin-page cookies v1")) {}

std::string CookieSeal::seal_payload(std::string_view purpose, const std::string& json) const {
  std::string payload = util::base64url_encode(json);
  std::string mac = util::hmac_sha256(key_, std::string(purpose) + "." + payload);
  return payload + "." + util::base64url_encode(mac);
}

std::optional<std::string> CookieSeal::open_payload(std::string_view purpose, std::string_view value) const {
  size_t dot = value.find('.');
  if (dot == std::string_view::npos || value.size() > 4096) return std::nullopt;
  std::string_view payload = value.substr(0, dot);
  auto mac = util::base64url_decode(value.substr(dot + 1));
  if (!mac) return std::nullopt;
  std::string expected = util::hmac_sha256(key_, std::string(purpose) + "." + std::string(payload));
  if (!util::constant_time_equals(*mac, expected)) return std::nullopt;
  return util::base64url_decode(payload);
}

std::string CookieSeal::seal(const SignInAttempt& attempt) const {
  nlohmann::json json = {{"state", attempt.state},
                         {"verifier", attempt.code_verifier},
                         {"nonce", attempt.nonce},
                         {"exp", attempt.expires_at_ms}};
  return seal_payload("sign-in", json.dump());
}

std::string CookieSeal::seal(const AdminSession& session) const {
  nlohmann::json json = {{"sub", session.clerk_user_id},
                         {"org", session.organization_id ? nlohmann::json(*session.organization_id) : nullptr},
                         {"csrf", session.csrf_token},
                         {"exp", session.expires_at_ms}};
  return seal_payload("session", json.dump());
}

std::optional<SignInAttempt> CookieSeal::open_attempt(std::string_view value, int64_t now_ms) const {
  auto text = open_payload("sign-in", value);
  if (!text) return std::nullopt;
  // Sealed by us: well formed unless the key leaked; a parse failure is refused all the same.
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object() || !json["exp"].is_number_integer() || json["exp"].get<int64_t>() <= now_ms) return std::nullopt;
  if (!json["state"].is_string() || !json["verifier"].is_string() || !json["nonce"].is_string()) return std::nullopt;
  return SignInAttempt{json["state"], json["verifier"], json["nonce"], json["exp"]};
}

std::optional<AdminSession> CookieSeal::open_session(std::string_view value, int64_t now_ms) const {
  auto text = open_payload("session", value);
  if (!text) return std::nullopt;
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object() || !json["exp"].is_number_integer() || json["exp"].get<int64_t>() <= now_ms) return std::nullopt;
  if (!json["sub"].is_string() || !json["csrf"].is_string()) return std::nullopt;
  AdminSession session{json["sub"], std::nullopt, json["csrf"], json["exp"]};
  if (json["org"].is_string()) session.organization_id = json["org"].get<std::string>();
  return session;
}

}  // namespace mcp::domain
