#include "storage/session_store.h"

#include "util/ids.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_SESSION_COLUMNS                                                                                   \
  "id, user_id, organization_id, clerk_session_id, metadata, expires_at, last_active_at, revoked_at, " \
  "created_at, updated_at"

constexpr Query kFindSession{"find_session", "SELECT " MCP_SESSION_COLUMNS " FROM sessions WHERE id = $1"};
constexpr Query kFindSessionByClerkId{"find_session_by_clerk_session_id",
                                      "SELECT " MCP_SESSION_COLUMNS " FROM sessions WHERE clerk_session_id = $1"};

#undef MCP_SESSION_COLUMNS

SessionRecord session_from(const Row& row) {
  SessionRecord record;
  record.id = row.text(0);
  record.user_id = row.text(1);
  record.organization_id = row.opt_text(2);
  record.clerk_session_id = row.opt_text(3);
  record.metadata = nlohmann::json::parse(row.text(4), nullptr, false);
  if (record.metadata.is_discarded()) record.metadata = nlohmann::json::object();
  record.expires_at = row.opt_int64(5);
  record.last_active_at = row.opt_int64(6);
  record.revoked_at = row.opt_int64(7);
  record.created_at = row.int64(8);
  record.updated_at = row.int64(9);
  return record;
}

std::optional<SessionRecord> find_one(Session& session, const Query& query, const std::string& key) {
  Value params[] = {key};
  Rows rows = session.query(query, params);
  if (rows.empty()) return std::nullopt;
  return session_from(rows.front());
}

}  // namespace

std::optional<SessionRecord> find_session(Session& session, const std::string& id) {
  return find_one(session, kFindSession, id);
}

std::optional<SessionRecord> find_session_by_clerk_session_id(Session& session, const std::string& clerk_session_id) {
  return find_one(session, kFindSessionByClerkId, clerk_session_id);
}

}  // namespace mcp::storage
