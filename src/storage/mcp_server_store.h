#pragma once
// mcp_servers: the registry of MCP servers.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/database.h"

namespace mcp::storage {

struct McpServerRecord {
  std::string id;
  std::string slug;
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> url;
  std::string transport = "stdio";
  nlohmann::json capabilities = nlohmann::json::object();
  bool is_active = true;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Inserts the server unless its slug exists; returns true when it inserted. Sets id and timestamps.
bool insert_mcp_server_if_absent(Session& session, McpServerRecord& server);

// All servers, by slug.
std::vector<McpServerRecord> list_mcp_servers(Session& session);

}  // namespace mcp::storage
