#pragma once
// Gateway authorization (README "Gateway authorization (forward auth)"): which MCP server a
// forwarded request is for, and whether an authenticated principal may use it. Pure rules: what
// storage knows arrives as GatewayFacts, the answer leaves as a GatewayDecision (200 or 403; the
// 401s are src/domain/credentials.h's). The role check is domain::authorize with Permission::Use, like every route.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/mcp_endpoint.h"
#include "domain/principal.h"
#include "domain/tool_policy.h"

namespace mcp::domain {

// The role a platform-admin key (no organization) is reported with: X-MCP-Role and "role".
inline constexpr std::string_view kPlatformAdminRole = "PLATFORM_ADMIN";

// A server slug as it may appear as one URL path segment: 1..128 characters of [A-Za-z0-9._~-],
// and not "." or "..".
bool is_server_slug(std::string_view text);

// What a forwarded request's URI names: "/mcp/SLUG", "/mcp/SLUG/…", "/mcp/SLUG?…", or the same
// under "/orgs/ORG" (an organization-scoped URI: ORG is the organization's slug, same characters);
// also a whole URL, "https://host/mcp/SLUG/…", as some proxies send X-Original-URL. nullopt when the
// URI is not of that form, and when its path holds anything a proxy could normalise into another
// path before routing it: dot segments ("/../", "/./"), percent-encoded dots, slashes or
// backslashes, backslashes, empty segments before the slug. Deny rather than authorize a different
// server (or organization) than the one the request reaches.
std::optional<McpEndpoint> mcp_endpoint_from_uri(std::string_view uri);

// What one read of the database says about the principal's organization, the server and the
// organization's service for it.
struct GatewayFacts {
  // The organization the credential names (the key's, or the token's active one) is soft-deleted.
  bool organization_deleted = false;
  // A session token named an organization that exists (and is live), but the user has no live
  // membership in it.
  bool not_a_member = false;
  // An access token without an organization claim, whose user has more than one live organization
  // with the server enabled: which one it acts for cannot be told.
  bool organization_ambiguous = false;
  // An organization-scoped URI (/orgs/{org}/mcp/…): its organization's slug, and whether the
  // credential does not act for that organization (another organization's key or token, no live
  // membership in it, no live organization with that slug: one answer, which tells nothing of the
  // others). A platform-admin key acts for any.
  std::optional<std::string> uri_organization;
  bool uri_organization_other = false;
  bool server_found = false;
  bool server_active = false;
  bool service_found = false;
  bool service_enabled = false;
  nlohmann::json config = nlohmann::json::object();  // the service's config (an object)
  ToolPolicy tool_policy;                             // the service's tool policy
};

struct GatewayDecision {
  int status = 403;        // 200 allowed, 403 not
  std::string detail;      // why not (safe for the client); empty when allowed
  std::optional<std::string> organization_id;  // internal id; none for a platform admin
  std::optional<std::string> user_id;          // internal id when the principal is a user
  std::string role;        // ADMIN | MEMBER | VIEWER | PLATFORM_ADMIN (when allowed)
  std::string server;      // the slug
  nlohmann::json config = nlohmann::json::object();
  // What each MCP request is then held to: decide_tool_access(role, tool_policy, the request).
  ToolPolicy tool_policy;

  bool allowed() const { return status == 200; }
};

// The decision for an authenticated principal, before the MCP request itself: whether it may reach
// the server at all. Order of the reasons given: deleted organization, another organization than
// the URI's, no membership, role (authorize(principal, Read, organization): VIEWER and up), unknown
// server, inactive server, service not enabled. A platform admin may use every active server (no
// organization, no service, config {}). Each request is then held to decide_tool_access with the
// decision's role and tool policy (VIEWER may only discover).
GatewayDecision decide_gateway_access(const Principal& principal, const GatewayFacts& facts, const std::string& slug);

}  // namespace mcp::domain
