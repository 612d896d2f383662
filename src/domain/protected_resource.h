#pragma once
// MCP authorization's resource side (README "MCP clients: OAuth discovery"; RFC 9728, RFC 8707): the resource identifier
// of each MCP endpoint behind the gateway, where its protected-resource metadata is, and what the
// metadata says. One place for these URLs: the metadata route, the gateway's 401
// (WWW-Authenticate resource_metadata) and the access-token audience check all use them.
// URLs are built from the configured public base URL, never from request headers.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/jwt_verifier.h"
#include "domain/mcp_endpoint.h"

namespace mcp::domain {

// "<public>/mcp/{server}" or "<public>/orgs/{org}/mcp/{server}": the resource identifier (RFC 8707)
// that MCP clients send as `resource` and that access tokens must name in `aud`.
std::string resource_url(const std::string& public_url, const McpEndpoint& endpoint);

// "<public>/.well-known/oauth-protected-resource/mcp/{server}" (RFC 9728 §3.1: the well-known
// segment inserted before the resource's path), or the organization-scoped one.
std::string resource_metadata_url(const std::string& public_url, const McpEndpoint& endpoint);

// The RFC 9728 document for the endpoint. `server_name` is the registry's display name
// (resource_name); `authorization_server` is CLERK_ISSUER.
nlohmann::json protected_resource_metadata(const std::string& public_url, const std::string& authorization_server,
                                           const McpEndpoint& endpoint, const std::string& server_name);

// The document of the bare /.well-known/oauth-protected-resource: the public base itself.
nlohmann::json platform_resource_metadata(const std::string& public_url, const std::string& authorization_server);

// The scopes MCP clients are told to ask Clerk for (Clerk's OAuth user-info scopes).
inline constexpr const char* kMcpScopes[] = {"profile", "email"};

// Why an OAuth access token may not be used at `resource` (nullopt: it may). Its audience must name
// the resource (RFC 8707, RFC 9068 §4); with allow_missing_audience a token without aud passes (an
// aud naming anything else still does not). Without a resource (no MCP_ADMIN_PUBLIC_URL) no access
// token is accepted: there is nothing its audience could be checked against.
std::optional<std::string> access_token_refusal(const SessionClaims& claims, const std::optional<std::string>& resource,
                                                bool allow_missing_audience);

// The WWW-Authenticate value of a gateway 401 (RFC 6750 §3, RFC 9728 §5.1): Bearer with
// resource_metadata, and error="invalid_token" when a credential was presented and refused.
std::string bearer_challenge(const std::optional<std::string>& metadata_url, bool token_refused);

}  // namespace mcp::domain
