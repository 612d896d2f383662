#pragma once
// The settings of MCP authorization (README "MCP clients: OAuth discovery"): the public base URL that MCP clients use
// (resource identifiers and metadata URLs are built from it, never from request headers) and the
// Clerk issuer (Frontend API URL), set or derived from the publishable key.
#include <optional>
#include <string>

namespace mcp::app {

// MCP_ADMIN_PUBLIC_URL: an https origin (http only for a loopback host, for local set-ups), without
// path, query or fragment; returned without a trailing slash. Throws ConfigError naming the setting.
std::string parse_public_url(const std::string& text);

// CLERK_ISSUER: an https origin (http on loopback), without a trailing slash, which is how Clerk
// writes `iss`. Throws ConfigError.
std::string parse_clerk_issuer(const std::string& text);

// The Frontend API URL a Clerk publishable key names: pk_test_ / pk_live_ + base64("<host>$") →
// "https://<host>". nullopt for anything else (the seed's template holds "pk_test_..."): the key is
// a Next.js setting that this binary only borrows, so a malformed one is ignored, not an error.
std::optional<std::string> issuer_from_publishable_key(const std::string& key);

}  // namespace mcp::app
