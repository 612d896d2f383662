#include "storage/service_store.h"

#include "storage/registry_columns.h"
#include "util/ids.h"
#include "util/json_limits.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_SERVICES "SELECT " MCP_SELECT_COLUMNS(MCP_SERVICE_COLUMNS, s) " FROM organization_services s "

constexpr Query kFindService{"find_organization_service",
                             MCP_SERVICES "WHERE s.organization_id = $1 AND s.mcp_server_id = $2"};
constexpr Query kInsertServiceIfAbsent{
    "insert_organization_service_if_absent",
    "INSERT INTO organization_services (id, organization_id, mcp_server_id, enabled, config, created_at, updated_at, "
    "tool_policy) VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (organization_id, mcp_server_id) DO NOTHING "
    "RETURNING id"};
constexpr Query kUpdateService{"update_organization_service",
                               "UPDATE organization_services SET enabled = $2, config = $3, updated_at = $4, "
                               "tool_policy = $6 WHERE id = $1 AND updated_at = $5"};
// A service's row: the service's columns, then its server's (list_services_of_organization reads them so).
constexpr Query kListServicesOfOrganization{
    "list_organization_services",
    "SELECT " MCP_SELECT_COLUMNS(MCP_SERVICE_COLUMNS, s) ", " MCP_SELECT_COLUMNS(MCP_SERVER_COLUMNS, m)
    " FROM organization_services s JOIN mcp_servers m ON m.id = s.mcp_server_id "
    "WHERE s.organization_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3"};
// RETURNING names the deleted table's own columns, without an alias.
constexpr Query kDeleteServicesOfServer{"delete_organization_services_of_server",
                                        "DELETE FROM organization_services WHERE mcp_server_id = $1 "
                                        "RETURNING " MCP_COLUMN_NAMES(MCP_SERVICE_COLUMNS)};

#undef MCP_SERVICES

nlohmann::json json_column(const Row& row, size_t idx) {
  nlohmann::json value = util::parse_json_limited(row.text(idx), util::kMaxStoredJsonDepth).value;
  return value.is_discarded() ? nlohmann::json::object() : value;
}

// Each reads the columns of registry_columns.h, by name.
ServiceRecord service_from(const Row& row) {
  namespace c = service_column;
  ServiceRecord service;
  service.id = row.text(c::id);
  service.organization_id = row.text(c::organization_id);
  service.mcp_server_id = row.text(c::mcp_server_id);
  service.enabled = row.boolean(c::enabled);
  service.config = json_column(row, c::config);
  service.created_at = row.int64(c::created_at);
  service.updated_at = row.int64(c::updated_at);
  if (!row.is_null(c::tool_policy)) {
    nlohmann::json policy = util::parse_json_limited(row.text(c::tool_policy), util::kMaxStoredJsonDepth).value;
    if (policy.is_object()) service.tool_policy = std::move(policy);
  }
  return service;
}

// A server's columns from `at` on (after the service's in list_organization_services).
McpServerRecord server_at(const Row& row, size_t at) {
  namespace c = mcp_server_column;
  McpServerRecord server;
  server.id = row.text(at + c::id);
  server.slug = row.text(at + c::slug);
  server.name = row.text(at + c::name);
  server.description = row.opt_text(at + c::description);
  server.url = row.opt_text(at + c::url);
  server.transport = row.text(at + c::transport);
  server.capabilities = json_column(row, at + c::capabilities);
  server.is_active = row.boolean(at + c::is_active);
  server.created_at = row.int64(at + c::created_at);
  server.updated_at = row.int64(at + c::updated_at);
  return server;
}

Value policy_value(const ServiceRecord& service) {
  return service.tool_policy ? Value(service.tool_policy->dump()) : null_value();
}

}  // namespace

std::optional<ServiceRecord> find_service(Transaction& session, const std::string& organization_id,
                                          const std::string& mcp_server_id) {
  Value params[] = {organization_id, mcp_server_id};
  Rows rows = session.query(kFindService, params);
  if (rows.empty()) return std::nullopt;
  return service_from(rows.front());
}

bool insert_service_if_absent(Transaction& session, ServiceRecord& service) {
  service.id = util::new_uuid_v7();
  service.created_at = service.updated_at = util::now_ms();
  Value params[] = {service.id,      service.organization_id, service.mcp_server_id,
                    service.enabled, service.config.dump(),   service.created_at,
                    policy_value(service)};
  return !session.query(kInsertServiceIfAbsent, params).empty();
}

bool update_service(Transaction& session, const ServiceRecord& service, int64_t expected_updated_at) {
  Value params[] = {service.id,         service.enabled,     service.config.dump(),
                    service.updated_at, expected_updated_at, policy_value(service)};
  return session.execute(kUpdateService, params) > 0;
}

std::vector<ServiceWithServer> list_services_of_organization(Transaction& session, const std::string& organization_id,
                                                             const std::optional<std::string>& after_id, int limit) {
  Value params[] = {organization_id, after_id.value_or(""), int64_t{limit}};
  std::vector<ServiceWithServer> services;
  for (const Row& row : session.query(kListServicesOfOrganization, params)) {
    ServiceWithServer entry;
    entry.service = service_from(row);
    entry.server = server_at(row, service_column::count);
    services.push_back(std::move(entry));
  }
  return services;
}

std::vector<ServiceRecord> delete_services_of_server(Transaction& session, const std::string& mcp_server_id) {
  Value params[] = {mcp_server_id};
  std::vector<ServiceRecord> deleted;
  for (const Row& row : session.query(kDeleteServicesOfServer, params)) deleted.push_back(service_from(row));
  return deleted;
}

}  // namespace mcp::storage
