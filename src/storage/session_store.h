#pragma once
// sessions: a user's session with its active-organization context (switched through the API).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/database.h"

namespace mcp::storage {

struct SessionRecord {
  std::string id;
  std::string user_id;
  std::optional<std::string> organization_id;  // the active organization
  std::optional<std::string> clerk_session_id;
  nlohmann::json metadata = nlohmann::json::object();
  std::optional<int64_t> expires_at;
  std::optional<int64_t> last_active_at;
  std::optional<int64_t> revoked_at;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

std::optional<SessionRecord> find_session(Transaction& session, const std::string& id);
std::optional<SessionRecord> find_session_by_clerk_session_id(Transaction& session, const std::string& clerk_session_id);

// Inserts with a new id and created_at = updated_at = now (set on the record) unless its
// clerk_session_id is already taken; true when it inserted. A concurrent insert of the same Clerk
// session (another instance) makes this one answer false once that one has committed, so an upsert
// never fails on the unique key.
bool insert_session_if_absent(Transaction& session, SessionRecord& record);

// Writes organization_id, metadata, expires_at, last_active_at and updated_at of a session that is
// not revoked; false when it is (or is gone).
bool update_session(Transaction& session, const SessionRecord& record);

// revoked_at := at unless already revoked (an earlier revocation stays); true when it changed.
bool revoke_session(Transaction& session, const std::string& id, int64_t at);

// What Clerk's session events keep of a Clerk session (README "Connect Clerk"): found by clerk_session_id.
struct ClerkSessionState {
  std::string id;  // ours
  std::string user_id;
  std::optional<std::string> organization_id;
  std::optional<int64_t> expires_at, last_active_at, revoked_at;
  std::optional<std::string> clerk_status;
  std::optional<int64_t> clerk_updated_at;
};

std::optional<ClerkSessionState> find_clerk_session_state(Transaction& session, const std::string& clerk_session_id);

// Inserts a session that Clerk told us about (new id, now as created_at); false when its
// clerk_session_id was taken meanwhile (another instance): read it again and update it.
bool insert_clerk_session(Transaction& session, const std::string& clerk_session_id, ClerkSessionState& state);

// Writes Clerk's state unless the stored one is newer (clerk_updated_at) — a revocation already
// stored stays; true when it changed the row.
bool update_clerk_session(Transaction& session, const ClerkSessionState& state);

// Which sessions a listing shows. Rows match when (organization_id = organization_id OR
// user_id = or_user_id) — either side may be absent, not both unless neither is set (then every
// row) — and, when set, user_id = user_id.
struct SessionFilter {
  std::optional<std::string> organization_id;
  std::optional<std::string> or_user_id;
  std::optional<std::string> user_id;
};

// Sessions matching the filter, by id, after `after_id` when given; at most `limit`.
std::vector<SessionRecord> list_sessions(Transaction& session, const SessionFilter& filter,
                                         const std::optional<std::string>& after_id, int limit);

}  // namespace mcp::storage
