#include "domain/api_key.h"

#include "util/crypto.h"

namespace mcp::domain {

namespace {
constexpr size_t kRandomBytes = 32;
constexpr size_t kMinSecretLength = 43;  // 32 bytes in base64url
constexpr size_t kMaxSecretLength = 256;
}  // namespace

NewApiKey describe_api_key(std::string_view secret) {
  return NewApiKey{std::string(secret), std::string(secret.substr(0, kApiKeyPrefixLength)), util::sha256_hex(secret)};
}

NewApiKey generate_api_key() {
  return describe_api_key(std::string(kApiKeyMarker) + util::base64url_encode(util::random_bytes(kRandomBytes)));
}

std::optional<std::string> api_key_prefix(std::string_view credential) {
  if (credential.substr(0, kApiKeyMarker.size()) != kApiKeyMarker) return std::nullopt;
  std::string_view body = credential.substr(kApiKeyMarker.size());
  if (body.size() < kMinSecretLength || body.size() > kMaxSecretLength) return std::nullopt;
  for (char c : body) {
    if (!util::is_base64url_char(c)) return std::nullopt;
  }
  return std::string(credential.substr(0, kApiKeyPrefixLength));
}

bool api_key_matches(std::string_view credential, std::string_view stored_hash) {
  return util::constant_time_equals(util::sha256_hex(credential), stored_hash);
}

}  // namespace mcp::domain
