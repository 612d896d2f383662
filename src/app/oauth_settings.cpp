#include "app/oauth_settings.h"

#include "app/config.h"
#include "util/crypto.h"

namespace mcp::app {

namespace {

bool is_loopback_host(const std::string& host) {
  return host == "127.0.0.1" || host == "[::1]" || host == "localhost" || host.rfind("127.", 0) == 0;
}

// Host of an http(s) URL's authority ("host", "host:port", "[v6]:port"), or empty.
std::string host_of(const std::string& authority) {
  if (authority.empty()) return {};
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    return close == std::string::npos ? std::string() : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

std::string parse_base_url(const std::string& name, const std::string& text) {
  std::string scheme;
  for (std::string candidate : {"https://", "http://"}) {
    if (text.rfind(candidate, 0) == 0) scheme = candidate;
  }
  auto refuse = [&](const std::string& why) {
    return ConfigError(name + " '" + text + "' " + why +
                       " (an absolute URL such as https://mcp.example.com; http only for 127.0.0.1 or localhost)");
  };
  if (scheme.empty()) throw refuse("is not an http(s) URL");
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f) throw refuse("holds spaces or control characters");
  }
  if (text.find_first_of("?#") != std::string::npos) throw refuse("must not have a query or a fragment");
  std::string rest = text.substr(scheme.size());
  std::string authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string::npos) throw refuse("must not hold credentials");
  std::string host = host_of(authority);
  if (host.empty()) throw refuse("has no host");
  if (scheme == "http://" && !is_loopback_host(host)) throw refuse("must use https");
  std::string path = rest.substr(authority.size());
  if (!path.empty() && path != "/") {
    throw refuse("must be an origin without a path (metadata and resource URLs are built under it)");
  }
  return scheme + authority;
}

}  // namespace

std::string parse_public_url(const std::string& text) { return parse_base_url("MCP_ADMIN_PUBLIC_URL", text); }

std::string parse_clerk_issuer(const std::string& text) { return parse_base_url("CLERK_ISSUER", text); }

std::optional<std::string> issuer_from_publishable_key(const std::string& key) {
  std::string encoded;
  for (std::string prefix : {"pk_test_", "pk_live_"}) {
    if (key.rfind(prefix, 0) == 0) encoded = key.substr(prefix.size());
  }
  if (encoded.empty()) return std::nullopt;
  auto decoded = util::base64_decode(encoded);
  if (!decoded || decoded->size() < 2 || decoded->back() != '$') return std::nullopt;
  std::string host = decoded->substr(0, decoded->size() - 1);
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':';
    if (!ok) return std::nullopt;
  }
  return "https://" + host;
}

}  // namespace mcp::app
