#pragma once
// Who is calling: the result of authenticating a credential (an API key or a Clerk session token).
#include <optional>
#include <string>

namespace mcp::domain {

struct Principal {
  enum class Kind { ApiKey, User };
  Kind kind = Kind::ApiKey;
  // The API key's id or the user's internal id: the audit trail's actor_id.
  std::string actor_id;
  // A key with no organization: above every organization.
  bool platform_admin = false;
  // The organization the credential acts for (internal id): the key's organization, or the user's
  // active organization (from the token's org claims, or the session's switched context).
  std::optional<std::string> organization_id;
  // ADMIN | MEMBER | VIEWER in organization_id; empty for a platform admin or a user with no
  // active organization.
  std::string role;
  // Set for users: their internal id, Clerk id and Clerk session id (sid).
  std::optional<std::string> user_id;
  std::optional<std::string> clerk_user_id;
  std::optional<std::string> clerk_session_id;
  // An OAuth access token's client_id (the MCP client the user authorized): the audit trail's client_id.
  std::optional<std::string> oauth_client_id;

  const char* actor_type() const { return kind == Kind::ApiKey ? "api_key" : "user"; }
};

}  // namespace mcp::domain
