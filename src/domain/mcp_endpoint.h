#pragma once
// What an MCP request's URI names: /mcp/{server}/… or, organization-scoped, /orgs/{org}/mcp/{server}/….
#include <optional>
#include <string>

namespace mcp::domain {

struct McpEndpoint {
  std::optional<std::string> organization_slug;  // set for organization-scoped URIs
  std::string server_slug;

  bool operator==(const McpEndpoint&) const = default;
};

}  // namespace mcp::domain
