#include "domain/gateway_decision.h"

#include "domain/authorization.h"

namespace mcp::domain {

namespace {
constexpr size_t kMaxSlugLength = 128;
constexpr std::string_view kMcpPrefix = "/mcp/";
constexpr std::string_view kOrganizationsPrefix = "/orgs/";

bool is_slug_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Whether the path has something a proxy may rewrite before routing: a dot segment, an encoded
// dot / slash / backslash, a backslash.
bool has_ambiguous_segments(std::string_view path) {
  for (size_t idx = 0; idx < path.size(); ++idx) {
    char c = path[idx];
    if (c == '\\') return true;
    if (c == '%' && idx + 2 < path.size()) {
      char hi = path[idx + 1], lo = lower(path[idx + 2]);
      if (hi == '2' && (lo == 'e' || lo == 'f')) return true;  // %2e "." and %2f "/"
      if (hi == '5' && lo == 'c') return true;                  // %5c "\"
    }
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return true;
    start = end + 1;
  }
  return false;
}
}  // namespace

bool is_server_slug(std::string_view text) {
  if (text.empty() || text.size() > kMaxSlugLength || text == "." || text == "..") return false;
  for (char c : text) {
    if (!is_slug_char(c)) return false;
  }
  return true;
}

std::optional<McpEndpoint> mcp_endpoint_from_uri(std::string_view uri) {
  // A whole URL: skip the scheme and authority.
  for (std::string_view scheme : {std::string_view("http://"), std::string_view("https://")}) {
    if (uri.size() >= scheme.size()) {
      bool match = true;
      for (size_t idx = 0; idx < scheme.size(); ++idx) match = match && lower(uri[idx]) == scheme[idx];
      if (match) {
        size_t slash = uri.find('/', scheme.size());
        if (slash == std::string_view::npos) return std::nullopt;
        uri = uri.substr(slash);
        break;
      }
    }
  }
  std::string_view path = uri.substr(0, uri.find_first_of("?#"));
  if (has_ambiguous_segments(path)) return std::nullopt;
  McpEndpoint endpoint;
  if (path.substr(0, kOrganizationsPrefix.size()) == kOrganizationsPrefix) {
    std::string_view rest = path.substr(kOrganizationsPrefix.size());
    std::string_view organization = rest.substr(0, rest.find('/'));
    if (!is_server_slug(organization)) return std::nullopt;
    endpoint.organization_slug = std::string(organization);
    path = rest.substr(organization.size());
  }
  if (path.substr(0, kMcpPrefix.size()) != kMcpPrefix) return std::nullopt;
  std::string_view rest = path.substr(kMcpPrefix.size());
  std::string_view slug = rest.substr(0, rest.find('/'));
  if (!is_server_slug(slug)) return std::nullopt;
  endpoint.server_slug = std::string(slug);
  return endpoint;
}

GatewayDecision decide_gateway_access(const Principal& principal, const GatewayFacts& facts, const std::string& slug) {
  GatewayDecision decision;
  decision.server = slug;
  auto deny = [&](std::string detail) {
    decision.status = 403;
    decision.detail = std::move(detail);
    return decision;
  };
  if (facts.organization_deleted) return deny("The organization has been deleted.");
  if (facts.uri_organization && facts.uri_organization_other) {
    return deny("The credential does not act for the organization '" + *facts.uri_organization +
                "' that the URI names (/orgs/" + *facts.uri_organization +
                "/mcp/…): use a credential of that organization, or its members' token.");
  }
  if (facts.not_a_member) return deny("The user is not a member of the token's organization.");
  if (facts.organization_ambiguous) {
    return deny("The token names no organization and its user has several with the MCP server '" + slug +
                "' enabled: use a token with an organization (Clerk's active organization).");
  }
  try {
    // Read, not Use: a VIEWER may reach the server to discover; its calls are refused per request.
    authorize(principal, Permission::Read, principal.organization_id);
  } catch (const AccessDenied& e) {
    return deny(principal.organization_id || principal.platform_admin
                    ? std::string(e.what())
                    : "Using an MCP server needs an organization: a session token with an active organization "
                      "(a member of it), or an organization's API key.");
  }
  if (!facts.server_found) return deny("There is no MCP server '" + slug + "'.");
  if (!facts.server_active) return deny("The MCP server '" + slug + "' is not active.");
  if (principal.platform_admin) {
    decision.status = 200;
    decision.role = std::string(kPlatformAdminRole);
    return decision;
  }
  if (!facts.service_found || !facts.service_enabled) {
    return deny("The organization has not enabled the MCP server '" + slug + "'.");
  }
  decision.status = 200;
  decision.organization_id = principal.organization_id;
  if (principal.kind == Principal::Kind::User) decision.user_id = principal.user_id;
  decision.role = principal.role;
  decision.config = facts.config.is_object() ? facts.config : nlohmann::json::object();
  decision.tool_policy = facts.tool_policy;
  return decision;
}

}  // namespace mcp::domain
