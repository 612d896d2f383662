#pragma once
// audit_logs: the trail every change writes, inside the same transaction as the change.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
  std::optional<std::string> client_id;  // the OAuth client of an access token; none for keys and session tokens
};

// Inserts one audit row, with an id that may still change before the transaction commits.
void insert_audit_log(Transaction& session, const AuditEntry& entry);

// Called by the writer just before COMMIT. Gives the audit rows this transaction wrote ids above
// every id already committed, by any writer of any instance, and holds the others back until this
// commit is visible: ids sort in commit order, so a reader paging or tailing by id never passes a
// row that commits later. Ids written while no other writer committed in between are kept.
void order_audit_ids_for_commit(Transaction& session);

// One stored audit row, as GET /api/v1/audit-logs shows it.
struct AuditRecord {
  std::string id;
  std::optional<std::string> organization_id;
  std::string actor_type;
  std::optional<std::string> actor_id;
  std::string action;
  std::optional<std::string> target_type;
  std::optional<std::string> target_id;
  nlohmann::json changes = nlohmann::json::object();
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
  std::optional<std::string> request_id;
  std::optional<std::string> client_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The filters of an audit listing; every one set must match (exact values). since is inclusive,
// until exclusive, both on created_at (milliseconds).
struct AuditFilter {
  std::optional<std::string> organization_id;
  std::optional<std::string> actor_id;
  std::optional<std::string> action;
  std::optional<std::string> target_id;
  std::optional<int64_t> since_ms;
  std::optional<int64_t> until_ms;
};

// Audit rows matching the filter, newest first (by id: UUIDv7, time-ordered), older than
// `before_id` when given; at most `limit`. Each query walks the index of its most selective filter
// (target, actor, organization, action — each ends in id) between id bounds derived from
// since/until, so a page costs the same at any depth.
std::vector<AuditRecord> list_audit_logs(Transaction& session, const AuditFilter& filter,
                                         const std::optional<std::string>& before_id, int limit);

// Number of audit rows (tests and diagnostics).
int64_t count_audit_logs(Transaction& session);

}  // namespace mcp::storage
