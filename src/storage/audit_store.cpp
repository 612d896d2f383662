#include "storage/audit_store.h"

#include "util/ids.h"
#include "util/time.h"

namespace mcp::storage {

namespace {
constexpr Query kInsertAuditLog{
    "insert_audit_log",
    "INSERT INTO audit_logs (id, organization_id, actor_type, actor_id, action, target_type, target_id, changes, ip, "
    "user_agent, request_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"};
constexpr Query kCountAuditLogs{"count_audit_logs", "SELECT count(*) FROM audit_logs"};
}  // namespace

std::string insert_audit_log(Session& session, const AuditEntry& entry) {
  std::string id = util::new_uuid_v7();
  Value params[] = {id,
                    opt(entry.organization_id),
                    entry.actor_type,
                    opt(entry.actor_id),
                    entry.action,
                    opt(entry.target_type),
                    opt(entry.target_id),
                    entry.changes.dump(),
                    opt(entry.ip),
                    opt(entry.user_agent),
                    opt(entry.request_id),
                    util::now_ms()};
  session.execute(kInsertAuditLog, params);
  return id;
}

int64_t count_audit_logs(Session& session) { return session.query(kCountAuditLogs).at(0).int64(0); }

}  // namespace mcp::storage
