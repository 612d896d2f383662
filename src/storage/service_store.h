#pragma once
// organization_services: which MCP servers an organization may use, enabled or not, with its
// per-organization configuration.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/database.h"
#include "storage/mcp_server_store.h"

namespace mcp::storage {

struct ServiceRecord {
  std::string id;
  std::string organization_id;
  std::string mcp_server_id;
  bool enabled = true;
  nlohmann::json config = nlohmann::json::object();
  // The tool policy as stored (domain/tool_policy.h reads it); nullopt: the default policy.
  std::optional<nlohmann::json> tool_policy;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A service with the server it gives access to (what the organization's list shows).
struct ServiceWithServer {
  ServiceRecord service;
  McpServerRecord server;
};

std::optional<ServiceRecord> find_service(Transaction& session, const std::string& organization_id,
                                          const std::string& mcp_server_id);

// Inserts unless the organization already has a row for the server (a concurrent PUT may have made
// it); sets id and timestamps and returns true when it inserted.
bool insert_service_if_absent(Transaction& session, ServiceRecord& service);

// Writes enabled, config, tool_policy and updated_at, but only if the row's updated_at is still
// `expected_updated_at` (compare-and-set, as update_mcp_server). Returns whether it wrote.
bool update_service(Transaction& session, const ServiceRecord& service, int64_t expected_updated_at);

// One page of the organization's services by id, each with its server; up to `limit` rows.
std::vector<ServiceWithServer> list_services_of_organization(Transaction& session, const std::string& organization_id,
                                                             const std::optional<std::string>& after_id, int limit);

// Deletes every organization's service of the server (before the server itself goes); returns the
// rows deleted, for their audit rows.
std::vector<ServiceRecord> delete_services_of_server(Transaction& session, const std::string& mcp_server_id);

}  // namespace mcp::storage
