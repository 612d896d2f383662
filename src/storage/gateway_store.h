#pragma once
// The gateway's reads (GET /api/v1/gateway/authorize): everything one decision needs — the
// credential's key or user, its organization, the server by slug and the organization's service
// for it — in ONE statement, so that a cache miss costs one round trip.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace mcp::storage {

// The server named by the slug and the organization's service for it (LEFT JOINs: absent fields
// are nullopt).
struct GatewayServerRow {
  std::optional<std::string> server_id;  // nullopt: no server with that slug
  bool server_active = false;
  std::optional<bool> service_enabled;   // nullopt: the organization has no service row for it
  std::optional<std::string> service_config;  // JSON text
  std::optional<std::string> service_tool_policy;  // JSON text; nullopt: the default policy
};

struct GatewayKeyRow {
  std::string id;
  std::string key_hash;
  std::optional<std::string> organization_id;  // NULL: a platform-admin key
  std::string role;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> revoked_at;
  bool organization_found = false;
  std::optional<int64_t> organization_deleted_at;
  std::optional<std::string> organization_slug;
  GatewayServerRow server;
};

// The API key with this prefix, with its organization, the server `slug` and the organization's
// service for it; nullopt when no key has the prefix.
std::optional<GatewayKeyRow> find_gateway_key(Transaction& session, const std::string& prefix, const std::string& slug);

struct GatewayUserRow {
  std::string user_id;
  std::optional<int64_t> user_deleted_at;
  std::optional<std::string> organization_id;  // the named organization, when it exists
  std::optional<int64_t> organization_deleted_at;
  std::optional<std::string> organization_slug;
  std::optional<std::string> membership_role;  // the user's live membership in it
  std::optional<int64_t> session_expires_at;   // by_session only: the session's end
  std::optional<std::string> session_clerk_status;  // the token's session (sid) as Clerk's events left it
  GatewayServerRow server;
};

// The user with this Clerk id, the organization with Clerk id `clerk_organization_id` (a token's
// org claim), the user's live membership in it, the server and the service, and the status of the
// token's Clerk session `clerk_session_id` ("" when it has none); nullopt: no such user.
std::optional<GatewayUserRow> find_gateway_user_by_organization(Transaction& session, const std::string& clerk_user_id,
                                                                const std::string& clerk_organization_id,
                                                                const std::string& clerk_session_id,
                                                                const std::string& slug);

// As above, the organization being the live one with slug `organization_slug` (an
// organization-scoped URI, /orgs/{org}/mcp/…, for a token that names no organization).
std::optional<GatewayUserRow> find_gateway_user_by_organization_slug(Transaction& session, const std::string& clerk_user_id,
                                                                     const std::string& organization_slug,
                                                                     const std::string& clerk_session_id,
                                                                     const std::string& slug);

// The user with this Clerk id and, for a token that names no organization, their live memberships
// whose live organization has the server `slug` enabled: one row per such membership (at most two:
// enough to tell one from several), or one row without an organization when there is none. Empty:
// no such user.
std::vector<GatewayUserRow> find_gateway_user_by_enabled_membership(Transaction& session, const std::string& clerk_user_id,
                                                                    const std::string& slug);

// As above, the organization being the active one of the user's live session `clerk_session_id`
// (a token without org claims, whose session switched organization through the API).
std::optional<GatewayUserRow> find_gateway_user_by_session(Transaction& session, const std::string& clerk_user_id,
                                                           const std::string& clerk_session_id, int64_t now_ms,
                                                           const std::string& slug);

}  // namespace mcp::storage
