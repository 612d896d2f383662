#include "storage/session_store.h"

#include "storage/session_columns.h"
#include "util/ids.h"
#include "util/json_limits.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_SESSIONS "SELECT " MCP_SELECT_COLUMNS(MCP_SESSION_COLUMNS, s) " FROM sessions s "

constexpr Query kFindSession{"find_session", MCP_SESSIONS "WHERE s.id = $1"};
constexpr Query kFindSessionByClerkId{"find_session_by_clerk_session_id", MCP_SESSIONS "WHERE s.clerk_session_id = $1"};
// ON CONFLICT without a target: a NULL clerk_session_id never conflicts, a taken one does nothing.
constexpr Query kInsertSessionIfAbsent{
    "insert_session_if_absent",
    "INSERT INTO sessions (id, user_id, organization_id, clerk_session_id, metadata, expires_at, last_active_at, "
    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT DO NOTHING RETURNING id"};
constexpr Query kUpdateSession{
    "update_session",
    "UPDATE sessions SET organization_id = $2, metadata = $3, expires_at = $4, last_active_at = $5, updated_at = $6 "
    "WHERE id = $1 AND revoked_at IS NULL"};
constexpr Query kRevokeSession{
    "revoke_session",
    "UPDATE sessions SET revoked_at = $2, updated_at = $3 WHERE id = $1 AND (revoked_at IS NULL OR revoked_at > $2)"};
// Listings, by id (UUIDv7: creation order). The user's own sessions use sessions_user_idx.
constexpr Query kListSessionsOfUser{
    "list_sessions_of_user", MCP_SESSIONS "WHERE s.user_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3"};
// An organization's sessions, plus (when $2 is set) every session of one user: what an ADMIN user sees.
constexpr Query kListSessionsOfOrganization{
    "list_sessions_of_organization",
    MCP_SESSIONS "WHERE (s.organization_id = $1 OR s.user_id = $2) AND s.id > $3 "
    "AND (CAST($4 AS TEXT) IS NULL OR s.user_id = $4) ORDER BY s.id LIMIT $5"};
constexpr Query kListAllSessions{"list_all_sessions", MCP_SESSIONS "WHERE s.id > $1 ORDER BY s.id LIMIT $2"};

constexpr Query kFindClerkSessionState{
    "find_clerk_session_state",
    "SELECT " MCP_SELECT_COLUMNS(MCP_CLERK_SESSION_STATE_COLUMNS, s) " FROM sessions s WHERE s.clerk_session_id = $1"};
constexpr Query kInsertClerkSession{
    "insert_clerk_session",
    "INSERT INTO sessions (id, user_id, organization_id, clerk_session_id, expires_at, last_active_at, revoked_at, "
    "clerk_status, clerk_updated_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
    "ON CONFLICT DO NOTHING RETURNING id"};
constexpr Query kUpdateClerkSession{
    "update_clerk_session",
    "UPDATE sessions SET organization_id = $2, expires_at = $3, last_active_at = $4, "
    "revoked_at = CASE WHEN revoked_at IS NULL OR revoked_at > $5 THEN $5 ELSE revoked_at END, clerk_status = $6, "
    "clerk_updated_at = $7, updated_at = $8 WHERE id = $1 AND (clerk_updated_at IS NULL OR clerk_updated_at <= $7)"};

#undef MCP_SESSIONS

// Reads the columns of session_columns.h, by name.
SessionRecord session_from(const Row& row) {
  namespace c = session_column;
  SessionRecord record;
  record.id = row.text(c::id);
  record.user_id = row.text(c::user_id);
  record.organization_id = row.opt_text(c::organization_id);
  record.clerk_session_id = row.opt_text(c::clerk_session_id);
  record.metadata = util::parse_json_limited(row.text(c::metadata), util::kMaxStoredJsonDepth).value;
  if (record.metadata.is_discarded()) record.metadata = nlohmann::json::object();
  record.expires_at = row.opt_int64(c::expires_at);
  record.last_active_at = row.opt_int64(c::last_active_at);
  record.revoked_at = row.opt_int64(c::revoked_at);
  record.created_at = row.int64(c::created_at);
  record.updated_at = row.int64(c::updated_at);
  return record;
}

std::optional<SessionRecord> find_one(Transaction& session, const Query& query, const std::string& key) {
  Value params[] = {key};
  Rows rows = session.query(query, params);
  if (rows.empty()) return std::nullopt;
  return session_from(rows.front());
}

std::vector<SessionRecord> sessions_from(const Rows& rows) {
  std::vector<SessionRecord> records;
  records.reserve(rows.size());
  for (const Row& row : rows) records.push_back(session_from(row));
  return records;
}

}  // namespace

std::optional<SessionRecord> find_session(Transaction& session, const std::string& id) {
  return find_one(session, kFindSession, id);
}

std::optional<SessionRecord> find_session_by_clerk_session_id(Transaction& session, const std::string& clerk_session_id) {
  return find_one(session, kFindSessionByClerkId, clerk_session_id);
}

bool insert_session_if_absent(Transaction& session, SessionRecord& record) {
  record.id = util::new_uuid_v7();
  record.created_at = record.updated_at = util::now_ms();
  Value params[] = {record.id,
                    record.user_id,
                    opt(record.organization_id),
                    opt(record.clerk_session_id),
                    record.metadata.dump(),
                    opt(record.expires_at),
                    opt(record.last_active_at),
                    record.created_at};
  return !session.query(kInsertSessionIfAbsent, params).empty();
}

bool update_session(Transaction& session, const SessionRecord& record) {
  Value params[] = {record.id,
                    opt(record.organization_id),
                    record.metadata.dump(),
                    opt(record.expires_at),
                    opt(record.last_active_at),
                    record.updated_at};
  return session.execute(kUpdateSession, params) > 0;
}

bool revoke_session(Transaction& session, const std::string& id, int64_t at) {
  Value params[] = {id, at, util::now_ms()};
  return session.execute(kRevokeSession, params) > 0;
}

std::optional<ClerkSessionState> find_clerk_session_state(Transaction& session, const std::string& clerk_session_id) {
  Value params[] = {clerk_session_id};
  Rows rows = session.query(kFindClerkSessionState, params);
  if (rows.empty()) return std::nullopt;
  const Row& row = rows.front();
  namespace c = clerk_session_state_column;
  ClerkSessionState state;
  state.id = row.text(c::id);
  state.user_id = row.text(c::user_id);
  state.organization_id = row.opt_text(c::organization_id);
  state.expires_at = row.opt_int64(c::expires_at);
  state.last_active_at = row.opt_int64(c::last_active_at);
  state.revoked_at = row.opt_int64(c::revoked_at);
  state.clerk_status = row.opt_text(c::clerk_status);
  state.clerk_updated_at = row.opt_int64(c::clerk_updated_at);
  return state;
}

bool insert_clerk_session(Transaction& session, const std::string& clerk_session_id, ClerkSessionState& state) {
  state.id = util::new_uuid_v7();
  Value params[] = {state.id,          state.user_id,          opt(state.organization_id), clerk_session_id,
                    opt(state.expires_at), opt(state.last_active_at), opt(state.revoked_at), opt(state.clerk_status),
                    opt(state.clerk_updated_at), util::now_ms()};
  return !session.query(kInsertClerkSession, params).empty();
}

bool update_clerk_session(Transaction& session, const ClerkSessionState& state) {
  // A NULL revoked_at in $5 leaves the column as it is (CASE … > NULL is not true).
  Value params[] = {state.id,           opt(state.organization_id), opt(state.expires_at), opt(state.last_active_at),
                    opt(state.revoked_at), opt(state.clerk_status),  opt(state.clerk_updated_at), util::now_ms()};
  return session.execute(kUpdateClerkSession, params) > 0;
}

std::vector<SessionRecord> list_sessions(Transaction& session, const SessionFilter& filter,
                                         const std::optional<std::string>& after_id, int limit) {
  Value after = after_id.value_or("");
  Value count = static_cast<int64_t>(limit);
  if (filter.organization_id) {
    Value params[] = {*filter.organization_id, opt(filter.or_user_id), after, opt(filter.user_id), count};
    return sessions_from(session.query(kListSessionsOfOrganization, params));
  }
  std::optional<std::string> user_id = filter.or_user_id ? filter.or_user_id : filter.user_id;
  if (filter.or_user_id && filter.user_id && *filter.or_user_id != *filter.user_id) return {};
  if (user_id) {
    Value params[] = {*user_id, after, count};
    return sessions_from(session.query(kListSessionsOfUser, params));
  }
  Value params[] = {after, count};
  return sessions_from(session.query(kListAllSessions, params));
}

}  // namespace mcp::storage
