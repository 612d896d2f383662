// API keys (src/domain/api_key.*): the format shown once, the stored prefix and hash, what counts
// as a key when one is presented, and the constant-time comparison.
#include "domain/api_key.h"

#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <string>

#include "util/crypto.h"

using mcp::domain::api_key_matches;
using mcp::domain::api_key_prefix;
using mcp::domain::describe_api_key;
using mcp::domain::generate_api_key;
using mcp::domain::kApiKeyMarker;
using mcp::domain::kApiKeyPrefixLength;

namespace {
bool is_base64url(const std::string& text) {
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("api key: mcp_sk_ and 32 random bytes in base64url, without padding") {
  auto key = generate_api_key();
  REQUIRE(key.secret.rfind("mcp_sk_", 0) == 0);
  std::string body = key.secret.substr(kApiKeyMarker.size());
  CHECK(body.size() == 43);  // ceil(32 * 4 / 3) characters, no '='
  CHECK(is_base64url(body));
  std::string standard = body + "=";  // back to standard base64 to count the bytes
  for (char& c : standard) c = c == '-' ? '+' : c == '_' ? '/' : c;
  auto bytes = mcp::util::base64_decode(standard);
  REQUIRE(bytes.has_value());
  CHECK(bytes->size() == 32);
}

TEST_CASE("api key: the stored form is the first 16 characters and the SHA-256 of the whole key") {
  auto key = generate_api_key();
  CHECK(key.prefix.size() == kApiKeyPrefixLength);
  CHECK(key.prefix == key.secret.substr(0, 16));
  CHECK(key.hash == mcp::util::sha256_hex(key.secret));
  CHECK(key.hash.size() == 64);
  CHECK(key.hash.find_first_not_of("0123456789abcdef") == std::string::npos);
  // The stored form carries nothing of the secret beyond the prefix.
  CHECK(key.hash.find(key.secret.substr(16)) == std::string::npos);
}

TEST_CASE("api key: fresh keys and their prefixes do not repeat") {
  std::set<std::string> secrets, prefixes;
  for (int idx = 0; idx < 2000; ++idx) {
    auto key = generate_api_key();
    secrets.insert(key.secret);
    prefixes.insert(key.prefix);
  }
  CHECK(secrets.size() == 2000);
  CHECK(prefixes.size() == 2000);
}

TEST_CASE("api key: describe_api_key gives a known key (the bootstrap key) the same stored form") {
  auto key = generate_api_key();
  auto described = describe_api_key(key.secret);
  CHECK(described.secret == key.secret);
  CHECK(described.prefix == key.prefix);
  CHECK(described.hash == key.hash);
  auto fixed = describe_api_key("mcp_sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  CHECK(fixed.prefix == "mcp_sk_AAAAAAAAA");
  CHECK(fixed.hash == mcp::util::sha256_hex("mcp_sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
}

TEST_CASE("api key: api_key_prefix accepts what generate_api_key makes and refuses the rest") {
  auto key = generate_api_key();
  REQUIRE(api_key_prefix(key.secret).has_value());
  CHECK(*api_key_prefix(key.secret) == key.prefix);

  const std::string body43(43, 'a');
  CHECK(api_key_prefix("mcp_sk_" + body43).has_value());
  CHECK(api_key_prefix("mcp_sk_" + std::string(256, 'Z')).has_value());  // the longest accepted
  CHECK_FALSE(api_key_prefix("mcp_sk_" + std::string(257, 'Z')).has_value());
  CHECK_FALSE(api_key_prefix("mcp_sk_" + std::string(42, 'a')).has_value());  // too short to hold 32 bytes
  CHECK_FALSE(api_key_prefix("").has_value());
  CHECK_FALSE(api_key_prefix("mcp_sk_").has_value());
  CHECK_FALSE(api_key_prefix("mcp_pk_" + body43).has_value());  // another marker
  CHECK_FALSE(api_key_prefix("MCP_SK_" + body43).has_value());  // the marker is case-sensitive
  CHECK_FALSE(api_key_prefix("sk_" + body43).has_value());
  CHECK_FALSE(api_key_prefix(" mcp_sk_" + body43).has_value());
  for (char bad : std::string("+/=. \t\n:%\"")) {
    std::string text = "mcp_sk_" + body43;
    text[20] = bad;
    CHECK_FALSE(api_key_prefix(text).has_value());
  }
  std::string with_nul = "mcp_sk_" + body43;
  with_nul[30] = '\0';
  CHECK_FALSE(api_key_prefix(with_nul).has_value());
  CHECK_FALSE(api_key_prefix("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2ln").has_value());  // a JWT
}

TEST_CASE("api key: api_key_matches compares the presented key with the stored hash") {
  auto key = generate_api_key();
  CHECK(api_key_matches(key.secret, key.hash));
  auto other = generate_api_key();
  CHECK_FALSE(api_key_matches(other.secret, key.hash));
  // Same prefix, another secret: the prefix only finds the row, the hash decides.
  std::string forged = key.secret;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  CHECK(api_key_prefix(forged) == api_key_prefix(key.secret));
  CHECK_FALSE(api_key_matches(forged, key.hash));
  CHECK_FALSE(api_key_matches(key.secret + "x", key.hash));
  CHECK_FALSE(api_key_matches(key.secret.substr(0, key.secret.size() - 1), key.hash));
  CHECK_FALSE(api_key_matches(key.secret, ""));
  CHECK_FALSE(api_key_matches(key.secret, key.hash.substr(0, 63)));
  // The hash is compared as stored (lower-case hex).
  std::string upper = key.hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper != key.hash) CHECK_FALSE(api_key_matches(key.secret, upper));
}
