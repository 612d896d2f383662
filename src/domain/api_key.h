#pragma once
// API keys: "mcp_sk_" + 43 base64url characters (32 random bytes), shown once. Only the prefix
// (for lookup) and the SHA-256 of the whole key are stored.
#include <optional>
#include <string>
#include <string_view>

namespace mcp::domain {

inline constexpr std::string_view kApiKeyMarker = "mcp_sk_";
// Characters of a key kept in clear as its lookup prefix: the marker and 9 random characters
// (54 bits: collisions are negligible; the other 34 characters, 204 bits, stay secret).
inline constexpr size_t kApiKeyPrefixLength = 16;

struct NewApiKey {
  std::string secret;  // the whole key: shown to its creator once, never stored
  std::string prefix;
  std::string hash;    // lower-case hex SHA-256 of the secret
};

// A fresh random key.
NewApiKey generate_api_key();

// The stored form of a key the caller already has (MCP_ADMIN_BOOTSTRAP_KEY).
NewApiKey describe_api_key(std::string_view secret);

// The lookup prefix of a presented credential; nullopt when it cannot be an API key
// (wrong marker, too short, characters outside base64url).
std::optional<std::string> api_key_prefix(std::string_view credential);

// Whether the presented credential hashes to the stored hash, in constant time.
bool api_key_matches(std::string_view credential, std::string_view stored_hash);

}  // namespace mcp::domain
