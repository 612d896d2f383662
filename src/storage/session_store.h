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

std::optional<SessionRecord> find_session(Session& session, const std::string& id);
std::optional<SessionRecord> find_session_by_clerk_session_id(Session& session, const std::string& clerk_session_id);

}  // namespace mcp::storage
