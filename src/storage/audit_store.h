#pragma once
// audit_logs: the trail every change writes, inside the same transaction as the change.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "storage/database.h"

namespace mcp::storage {

struct AuditEntry {
  std::optional<std::string> organization_id;
  std::string actor_type;  // user | api_key | webhook | system
  std::optional<std::string> actor_id;
  std::string action;      // e.g. "mcp_server.created"
  std::optional<std::string> target_type;
  std::optional<std::string> target_id;
  nlohmann::json changes = nlohmann::json::object();  // {"before":…, "after":…}
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
  std::optional<std::string> request_id;
};

// Inserts one audit row; returns its id.
std::string insert_audit_log(Session& session, const AuditEntry& entry);

// Number of audit rows (tests and diagnostics).
int64_t count_audit_logs(Session& session);

}  // namespace mcp::storage
