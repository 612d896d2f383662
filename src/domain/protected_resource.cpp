#include "domain/protected_resource.h"

namespace mcp::domain {

namespace {
std::string endpoint_path(const McpEndpoint& endpoint) {
  std::string path;
  if (endpoint.organization_slug) path = "/orgs/" + *endpoint.organization_slug;
  return path + "/mcp/" + endpoint.server_slug;
}

nlohmann::json scopes() {
  nlohmann::json list = nlohmann::json::array();
  for (const char* scope : kMcpScopes) list.push_back(scope);
  return list;
}
}  // namespace

std::string resource_url(const std::string& public_url, const McpEndpoint& endpoint) {
  return public_url + endpoint_path(endpoint);
}

std::string resource_metadata_url(const std::string& public_url, const McpEndpoint& endpoint) {
  // RFC 9728 §3.1 inserts the well-known segment between the host and the resource's path; the
  // public URL is an origin (app/oauth_settings.h refuses a path), so that is right after it.
  return public_url + "/.well-known/oauth-protected-resource" + endpoint_path(endpoint);
}

nlohmann::json protected_resource_metadata(const std::string& public_url, const std::string& authorization_server,
                                           const McpEndpoint& endpoint, const std::string& server_name) {
  return {{"resource", resource_url(public_url, endpoint)},
          {"authorization_servers", {authorization_server}},
          {"bearer_methods_supported", {"header"}},
          {"scopes_supported", scopes()},
          {"resource_name", server_name}};
}

nlohmann::json platform_resource_metadata(const std::string& public_url, const std::string& authorization_server) {
  return {{"resource", public_url},
          {"authorization_servers", {authorization_server}},
          {"bearer_methods_supported", {"header"}},
          {"scopes_supported", scopes()},
          {"resource_name", "mcp-admin"}};
}

std::optional<std::string> access_token_refusal(const SessionClaims& claims, const std::optional<std::string>& resource,
                                                bool allow_missing_audience) {
  if (!resource) {
    return "OAuth access tokens are not accepted here: set MCP_ADMIN_PUBLIC_URL, the resource their audience names.";
  }
  if (claims.audiences.empty()) {
    if (allow_missing_audience) return std::nullopt;
    return "The access token has no audience (aud): it must name " + *resource +
           " (or set MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE for an authorization server without resource indicators).";
  }
  if (!audience_names(claims, *resource)) return "The access token's audience (aud) does not name " + *resource + ".";
  return std::nullopt;
}

std::string bearer_challenge(const std::optional<std::string>& metadata_url, bool token_refused) {
  std::string value = "Bearer";
  const char* separator = " ";
  if (metadata_url) {
    value += std::string(separator) + "resource_metadata=\"" + *metadata_url + "\"";
    separator = ", ";
  }
  if (token_refused) value += std::string(separator) + "error=\"invalid_token\"";
  return value;
}

}  // namespace mcp::domain
