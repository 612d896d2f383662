#include "storage/service_store.h"

#include "util/ids.h"
#include "util/json_limits.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_SERVICE_COLUMNS "id, organization_id, mcp_server_id, enabled, config, created_at, updated_at, tool_policy"

constexpr Query kFindService{"find_organization_service",
                             "SELECT " MCP_SERVICE_COLUMNS
                             " FROM organization_services WHERE organization_id = $1 AND mcp_server_id = $2"};
constexpr Query kInsertServiceIfAbsent{
    "insert_organization_service_if_absent",
    "INSERT INTO organization_services (" MCP_SERVICE_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (organization_id, mcp_server_id) DO NOTHING RETURNING id"};
constexpr Query kUpdateService{"update_organization_service",
                               "UPDATE organization_services SET enabled = $2, config = $3, updated_at = $4, "
                               "tool_policy = $6 WHERE id = $1 AND updated_at = $5"};
constexpr Query kListServicesOfOrganization{
    "list_organization_services",
    "SELECT s.id, s.organization_id, s.mcp_server_id, s.enabled, s.config, s.created_at, s.updated_at, s.tool_policy, "
    "m.id, m.slug, m.name, m.description, m.url, m.transport, m.capabilities, m.is_active, m.created_at, m.updated_at "
    "FROM organization_services s JOIN mcp_servers m ON m.id = s.mcp_server_id "
    "WHERE s.organization_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3"};
constexpr Query kDeleteServicesOfServer{"delete_organization_services_of_server",
                                        "DELETE FROM organization_services WHERE mcp_server_id = $1 "
                                        "RETURNING " MCP_SERVICE_COLUMNS};

#undef MCP_SERVICE_COLUMNS

nlohmann::json json_column(const Row& row, size_t idx) {
  nlohmann::json value = util::parse_json_limited(row.text(idx), util::kMaxStoredJsonDepth).value;
  return value.is_discarded() ? nlohmann::json::object() : value;
}

ServiceRecord service_from(const Row& row) {
  ServiceRecord service;
  service.id = row.text(0);
  service.organization_id = row.text(1);
  service.mcp_server_id = row.text(2);
  service.enabled = row.boolean(3);
  service.config = json_column(row, 4);
  service.created_at = row.int64(5);
  service.updated_at = row.int64(6);
  if (!row.is_null(7)) {
    nlohmann::json policy = util::parse_json_limited(row.text(7), util::kMaxStoredJsonDepth).value;
    if (policy.is_object()) service.tool_policy = std::move(policy);
  }
  return service;
}

Value policy_value(const ServiceRecord& service) {
  return service.tool_policy ? Value(service.tool_policy->dump()) : null_value();
}

}  // namespace

std::optional<ServiceRecord> find_service(Session& session, const std::string& organization_id,
                                          const std::string& mcp_server_id) {
  Value params[] = {organization_id, mcp_server_id};
  Rows rows = session.query(kFindService, params);
  if (rows.empty()) return std::nullopt;
  return service_from(rows.front());
}

bool insert_service_if_absent(Session& session, ServiceRecord& service) {
  service.id = util::new_uuid_v7();
  service.created_at = service.updated_at = util::now_ms();
  Value params[] = {service.id,      service.organization_id, service.mcp_server_id,
                    service.enabled, service.config.dump(),   service.created_at,
                    policy_value(service)};
  return !session.query(kInsertServiceIfAbsent, params).empty();
}

bool update_service(Session& session, const ServiceRecord& service, int64_t expected_updated_at) {
  Value params[] = {service.id,         service.enabled,     service.config.dump(),
                    service.updated_at, expected_updated_at, policy_value(service)};
  return session.execute(kUpdateService, params) > 0;
}

std::vector<ServiceWithServer> list_services_of_organization(Session& session, const std::string& organization_id,
                                                             const std::optional<std::string>& after_id, int limit) {
  Value params[] = {organization_id, after_id.value_or(""), int64_t{limit}};
  std::vector<ServiceWithServer> services;
  for (const Row& row : session.query(kListServicesOfOrganization, params)) {
    ServiceWithServer entry;
    entry.service = service_from(row);
    entry.server.id = row.text(8);
    entry.server.slug = row.text(9);
    entry.server.name = row.text(10);
    entry.server.description = row.opt_text(11);
    entry.server.url = row.opt_text(12);
    entry.server.transport = row.text(13);
    entry.server.capabilities = json_column(row, 14);
    entry.server.is_active = row.boolean(15);
    entry.server.created_at = row.int64(16);
    entry.server.updated_at = row.int64(17);
    services.push_back(std::move(entry));
  }
  return services;
}

std::vector<ServiceRecord> delete_services_of_server(Session& session, const std::string& mcp_server_id) {
  Value params[] = {mcp_server_id};
  std::vector<ServiceRecord> deleted;
  for (const Row& row : session.query(kDeleteServicesOfServer, params)) deleted.push_back(service_from(row));
  return deleted;
}

}  // namespace mcp::storage
