#include "storage/audit_store.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "storage/column_lists.h"
#include "util/ids.h"
#include "util/json_limits.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

// The columns of audit_logs, listed once (storage/column_lists.h): the listings select them and
// audit_from reads them by name.
#define MCP_AUDIT_COLUMNS(F, N, a)                                                                           \
  F(a, id) N(a, organization_id) N(a, actor_type) N(a, actor_id) N(a, action) N(a, target_type)              \
  N(a, target_id) N(a, changes) N(a, ip) N(a, user_agent) N(a, request_id) N(a, created_at) N(a, updated_at) \
  N(a, client_id)
namespace audit_column {
enum : size_t { MCP_AUDIT_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}

constexpr Query kInsertAuditLog{
    "insert_audit_log",
    "INSERT INTO audit_logs (id, organization_id, actor_type, actor_id, action, target_type, target_id, changes, ip, "
    "user_agent, request_id, created_at, updated_at, client_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)"};
constexpr Query kCountAuditLogs{"count_audit_logs", "SELECT count(*) FROM audit_logs"};
constexpr Query kAuditIdsFrom{"audit_ids_from", "SELECT id FROM audit_logs WHERE id >= $1 ORDER BY id LIMIT $2"};
constexpr Query kLastAuditId{"last_audit_id", "SELECT max(id) FROM audit_logs"};
// $1 old ids, $2 new ids, as array literals: one round trip for the whole batch.
constexpr Query kRenumberAuditLogsPostgres{
    "renumber_audit_logs",
    "UPDATE audit_logs SET id = renumbered.new_id "
    "FROM unnest(CAST($1 AS TEXT[]), CAST($2 AS TEXT[])) AS renumbered(old_id, new_id) "
    "WHERE audit_logs.id = renumbered.old_id"};
constexpr Query kRenumberAuditLogSqlite{"renumber_audit_log", "UPDATE audit_logs SET id = $2 WHERE id = $1"};

// The listing: one statement per leading filter, all with the same parameters
//   $1 organization_id, $2 actor_id, $3 action, $4 target_id (NULL: any),
//   $5 lowest id (inclusive), $6 id upper bound (exclusive), $7 since, $8 until (created_at; NULL: open),
//   $9 limit.
// "CAST($n AS …) IS NULL": PostgreSQL cannot type a parameter from `$n IS NULL` alone.
// The leading filter is a plain equality, so with `id` between $5 and $6 it is a range of that
// filter's (column, id) index walked backwards; the other filters are checked on the rows it yields.
#define MCP_AUDIT_SELECT \
  "SELECT " MCP_COLUMN_NAMES(MCP_AUDIT_COLUMNS) " FROM audit_logs WHERE id >= $5 AND id < $6 "
#define MCP_AUDIT_ORGANIZATION_ANY "AND (CAST($1 AS TEXT) IS NULL OR organization_id = $1) "
#define MCP_AUDIT_ACTOR_ANY "AND (CAST($2 AS TEXT) IS NULL OR actor_id = $2) "
#define MCP_AUDIT_ACTION_ANY "AND (CAST($3 AS TEXT) IS NULL OR action = $3) "
#define MCP_AUDIT_TARGET_ANY "AND (CAST($4 AS TEXT) IS NULL OR target_id = $4) "
#define MCP_AUDIT_TIME_AND_ORDER \
  "AND (CAST($7 AS BIGINT) IS NULL OR created_at >= $7) AND (CAST($8 AS BIGINT) IS NULL OR created_at < $8) " \
  "ORDER BY id DESC LIMIT $9"

constexpr Query kListAuditByTarget{"list_audit_logs_by_target",
                                   MCP_AUDIT_SELECT "AND target_id = $4 " MCP_AUDIT_ORGANIZATION_ANY MCP_AUDIT_ACTOR_ANY
                                       MCP_AUDIT_ACTION_ANY MCP_AUDIT_TIME_AND_ORDER};
constexpr Query kListAuditByActor{"list_audit_logs_by_actor",
                                  MCP_AUDIT_SELECT "AND actor_id = $2 " MCP_AUDIT_ORGANIZATION_ANY MCP_AUDIT_ACTION_ANY
                                      MCP_AUDIT_TARGET_ANY MCP_AUDIT_TIME_AND_ORDER};
constexpr Query kListAuditByOrganization{
    "list_audit_logs_by_organization",
    MCP_AUDIT_SELECT "AND organization_id = $1 " MCP_AUDIT_ACTOR_ANY MCP_AUDIT_ACTION_ANY MCP_AUDIT_TARGET_ANY
        MCP_AUDIT_TIME_AND_ORDER};
constexpr Query kListAuditByAction{"list_audit_logs_by_action",
                                   MCP_AUDIT_SELECT "AND action = $3 " MCP_AUDIT_ORGANIZATION_ANY MCP_AUDIT_ACTOR_ANY
                                       MCP_AUDIT_TARGET_ANY MCP_AUDIT_TIME_AND_ORDER};
constexpr Query kListAudit{"list_audit_logs", MCP_AUDIT_SELECT MCP_AUDIT_ORGANIZATION_ANY MCP_AUDIT_ACTOR_ANY
                                                  MCP_AUDIT_ACTION_ANY MCP_AUDIT_TARGET_ANY MCP_AUDIT_TIME_AND_ORDER};

#undef MCP_AUDIT_SELECT
#undef MCP_AUDIT_ORGANIZATION_ANY
#undef MCP_AUDIT_ACTOR_ANY
#undef MCP_AUDIT_ACTION_ANY
#undef MCP_AUDIT_TARGET_ANY
#undef MCP_AUDIT_TIME_AND_ORDER
#undef MCP_AUDIT_COLUMNS

// An id's time is that of its row's created_at or later: by how long its transaction took to
// commit (order_audit_ids_for_commit may give it a later id), or by how far the clock of the
// instance that wrote the row before it ran ahead. The id bounds are widened by these margins and
// created_at decides exactly.
constexpr int64_t kIdBeforeCreatedSlackMs = 60'000;
constexpr int64_t kIdAfterCreatedSlackMs = 3'600'000;
// Above every id (ids are lower-case hex UUIDs); same shape, so every collation orders it last.
constexpr const char* kAfterEveryId = "ffffffff-ffff-ffff-ffff-ffffffffffff";

// The smallest UUIDv7 of the millisecond `epoch_ms` (clamped to the 48 bits the format holds).
std::string first_id_of_ms(int64_t epoch_ms) {
  uint64_t ms = static_cast<uint64_t>(std::clamp<int64_t>(epoch_ms, 0, (int64_t{1} << 48) - 1));
  char text[40];
  std::snprintf(text, sizeof text, "%08llx-%04llx-0000-0000-000000000000", static_cast<unsigned long long>(ms >> 16),
                static_cast<unsigned long long>(ms & 0xffff));
  return text;
}

// Ids are UUIDv7 text (commas, braces and quotes never occur), so the literal needs no escaping.
std::string array_literal(const std::vector<std::string>& ids) {
  std::string literal = "{";
  for (const std::string& id : ids) {
    if (literal.size() > 1) literal += ',';
    literal += id;
  }
  return literal + "}";
}

AuditRecord audit_from(const Row& row) {
  AuditRecord record;
  namespace c = audit_column;
  record.id = row.text(c::id);
  record.organization_id = row.opt_text(c::organization_id);
  record.actor_type = row.text(c::actor_type);
  record.actor_id = row.opt_text(c::actor_id);
  record.action = row.text(c::action);
  record.target_type = row.opt_text(c::target_type);
  record.target_id = row.opt_text(c::target_id);
  record.changes = util::parse_json_limited(row.text(c::changes), util::kMaxStoredJsonDepth).value;
  if (record.changes.is_discarded()) record.changes = nlohmann::json::object();
  record.ip = row.opt_text(c::ip);
  record.user_agent = row.opt_text(c::user_agent);
  record.request_id = row.opt_text(c::request_id);
  record.created_at = row.int64(c::created_at);
  record.updated_at = row.int64(c::updated_at);
  record.client_id = row.opt_text(c::client_id);
  return record;
}
}  // namespace

void insert_audit_log(Transaction& session, const AuditEntry& entry) {
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
                    util::now_ms(),
                    opt(entry.client_id)};
  session.execute(kInsertAuditLog, params);
  session.audit_ids_written.push_back(std::move(id));
}

void order_audit_ids_for_commit(Transaction& session) {
  std::vector<std::string>& written = session.audit_ids_written;
  if (written.empty()) return;
  session.lock_commit_order();
  // One process wrote them, in this order, so they only grow. When no committed row of another
  // writer lies at or above the first, they already sort after every committed row: keep them.
  // Among the first written.size() + 1 rows from there, at least one is another writer's if any is.
  Value probe[] = {written.front(), static_cast<int64_t>(written.size() + 1)};
  std::unordered_set<std::string> ours(written.begin(), written.end());
  bool overtaken = false;
  for (const Row& row : session.query(kAuditIdsFrom, probe)) overtaken = overtaken || !ours.contains(row.text(0));
  if (overtaken) {
    // Ids of rows rolled back with their savepoint are renumbered too: those updates change nothing.
    std::string floor = session.query(kLastAuditId).at(0).opt_text(0).value_or("");
    std::vector<std::string> renumbered;
    renumbered.reserve(written.size());
    for (size_t idx = 0; idx < written.size(); ++idx) {
      renumbered.push_back(util::new_uuid_v7_after(idx == 0 ? floor : renumbered.back()));
    }
    if (session.engine() == Engine::Postgres) {  // engine-specific: one statement instead of one per row
      Value params[] = {array_literal(written), array_literal(renumbered)};
      session.execute(kRenumberAuditLogsPostgres, params);
    } else {
      for (size_t idx = 0; idx < written.size(); ++idx) {
        Value params[] = {written[idx], renumbered[idx]};
        session.execute(kRenumberAuditLogSqlite, params);
      }
    }
  }
  written.clear();
}

std::vector<AuditRecord> list_audit_logs(Transaction& session, const AuditFilter& filter,
                                         const std::optional<std::string>& before_id, int limit) {
  std::string lowest = filter.since_ms ? first_id_of_ms(*filter.since_ms - kIdBeforeCreatedSlackMs) : std::string();
  std::string upper = filter.until_ms ? first_id_of_ms(*filter.until_ms + kIdAfterCreatedSlackMs) : kAfterEveryId;
  if (before_id && *before_id < upper) upper = *before_id;
  const Query& query = filter.target_id         ? kListAuditByTarget
                       : filter.actor_id        ? kListAuditByActor
                       : filter.organization_id ? kListAuditByOrganization
                       : filter.action          ? kListAuditByAction
                                                : kListAudit;
  Value params[] = {opt(filter.organization_id), opt(filter.actor_id), opt(filter.action), opt(filter.target_id),
                    lowest,  upper, opt(filter.since_ms), opt(filter.until_ms), static_cast<int64_t>(limit)};
  std::vector<AuditRecord> records;
  for (const Row& row : session.query(query, params)) records.push_back(audit_from(row));
  return records;
}

int64_t count_audit_logs(Transaction& session) { return session.query(kCountAuditLogs).at(0).int64(0); }

}  // namespace mcp::storage
