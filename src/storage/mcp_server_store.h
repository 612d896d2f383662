#pragma once
// mcp_servers: the registry of MCP servers.
#include <optional>
#include <string>
#include <string_view>
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

// Whether the text has the shape of our ids (a UUID: 8-4-4-4-12 hex digits). Slugs of that shape are
// refused, so that a URL's {id} is never ambiguous between an id and a slug.
bool is_mcp_server_id(std::string_view text);

// Inserts the server unless its slug exists; returns true when it inserted. Sets id and timestamps.
bool insert_mcp_server_if_absent(Transaction& session, McpServerRecord& server);

// Inserts with a new id and timestamps (set on the record). UniqueViolation when the slug exists.
void insert_mcp_server(Transaction& session, McpServerRecord& server);

// All servers, by slug.
std::vector<McpServerRecord> list_mcp_servers(Transaction& session);

// One page of servers by id (creation order), after `after_id` when given; up to `limit` rows.
std::vector<McpServerRecord> list_mcp_servers_page(Transaction& session, const std::optional<std::string>& after_id,
                                                   int limit);

std::optional<McpServerRecord> find_mcp_server(Transaction& session, const std::string& id);
std::optional<McpServerRecord> find_mcp_server_by_slug(Transaction& session, const std::string& slug);
// What {id} / {server_id} in a URL accepts: the internal id (a UUID) or the slug.
std::optional<McpServerRecord> find_mcp_server_by_id_or_slug(Transaction& session, const std::string& id_or_slug);

// Writes every data field of `server` and updated_at, but only if the row's updated_at is still
// `expected_updated_at` (compare-and-set: on PostgreSQL another instance may have changed it since
// it was read). Returns whether it wrote. UniqueViolation when the new slug is taken.
bool update_mcp_server(Transaction& session, const McpServerRecord& server, int64_t expected_updated_at);

// Deletes the server (its organization_services go with it: ON DELETE CASCADE). True when it deleted.
bool delete_mcp_server(Transaction& session, const std::string& id);

}  // namespace mcp::storage
