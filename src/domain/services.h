#pragma once
// An organization's service of an MCP server (README "Services"): enabled, its config changed, or
// disabled, from the admin API. Each change is a compare-and-set on the row's updated_at, tried
// again when a concurrent change got in first, and audited organization_service.enabled /
// .updated / .disabled with the service's view; a change that changes nothing writes nothing.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "domain/audit_trail.h"
#include "storage/mcp_server_store.h"
#include "storage/service_store.h"

namespace mcp::domain {

// What a PUT asks for: absent members are kept (a new service: config {}, the default policy).
struct ServiceChange {
  std::optional<nlohmann::json> config;
  bool enabled = true;  // PUT enables; only an explicit false stores it disabled
  std::optional<std::optional<nlohmann::json>> tool_policy;  // set: the policy to store (nullopt: the default)
};

// Applies the change; returns the service as stored (as it was when nothing changed). Throws
// storage::Conflict when the row kept changing under every attempt.
storage::ServiceRecord put_service(AuditTrail& trail, const storage::McpServerRecord& server,
                                   const std::string& organization_id, const ServiceChange& change, int64_t now_ms);

enum class DisableOutcome { Disabled, AlreadyDisabled, NoService };
DisableOutcome disable_service(AuditTrail& trail, const storage::McpServerRecord& server,
                               const std::string& organization_id, int64_t now_ms);

// The service with its server, as the admin API shows it and the audit trail records it.
nlohmann::json service_view(const storage::ServiceRecord& service, const storage::McpServerRecord& server);

}  // namespace mcp::domain
