#include "storage/gateway_store.h"

namespace mcp::storage {

namespace {

// Each query's row, listed once as (name, SQL expression) pairs: the SELECT is written from the list
// and the row read by the names' positions. F names the first column, N each next one.
// The server by slug and the organization's service for it, in every row:
#define MCP_GATEWAY_SERVER_COLUMNS(N)                                                                    \
  N(server_id, "s.id") N(server_active, "s.is_active") N(service_enabled, "os.enabled")                  \
  N(service_config, "os.config") N(service_tool_policy, "os.tool_policy")
#define MCP_GATEWAY_KEY_COLUMNS(F, N)                                                                    \
  F(id, "k.id") N(key_hash, "k.key_hash") N(organization_id, "k.organization_id") N(role, "k.role")      \
  N(expires_at, "k.expires_at") N(revoked_at, "k.revoked_at") N(organization_found, "o.id")             \
  N(organization_deleted_at, "o.deleted_at") MCP_GATEWAY_SERVER_COLUMNS(N) N(organization_slug, "o.slug")
// A user's row; EXPIRES and STATUS are what the query knows of the session (NULL: nothing).
#define MCP_GATEWAY_USER_COLUMNS(F, N, EXPIRES, STATUS)                                                  \
  F(user_id, "u.id") N(user_deleted_at, "u.deleted_at") N(organization_id, "o.id")                       \
  N(organization_deleted_at, "o.deleted_at") N(membership_role, "m.role") N(session_expires_at, EXPIRES) \
  MCP_GATEWAY_SERVER_COLUMNS(N) N(session_clerk_status, STATUS) N(organization_slug, "o.slug")
#define MCP_GATEWAY_SQL_FIRST(name, expression) expression
#define MCP_GATEWAY_SQL_NEXT(name, expression) ", " expression
#define MCP_GATEWAY_ENUM(name, expression) name,

namespace server_column {
enum : size_t { MCP_GATEWAY_SERVER_COLUMNS(MCP_GATEWAY_ENUM) count };
}
namespace key_column {
enum : size_t { MCP_GATEWAY_KEY_COLUMNS(MCP_GATEWAY_ENUM, MCP_GATEWAY_ENUM) count };
}
namespace user_column {
enum : size_t { MCP_GATEWAY_USER_COLUMNS(MCP_GATEWAY_ENUM, MCP_GATEWAY_ENUM, _, _) count };
}
#define MCP_GATEWAY_USER_SELECT(EXPIRES, STATUS) \
  "SELECT " MCP_GATEWAY_USER_COLUMNS(MCP_GATEWAY_SQL_FIRST, MCP_GATEWAY_SQL_NEXT, EXPIRES, STATUS)
#define MCP_GATEWAY_SERVER_JOINS(ORGANIZATION_ID, SLUG_PARAM)                                \
  " LEFT JOIN mcp_servers s ON s.slug = " SLUG_PARAM                                        \
  " LEFT JOIN organization_services os ON os.organization_id = " ORGANIZATION_ID           \
  " AND os.mcp_server_id = s.id"

constexpr Query kFindGatewayKey{
    "find_gateway_key",
    "SELECT " MCP_GATEWAY_KEY_COLUMNS(MCP_GATEWAY_SQL_FIRST, MCP_GATEWAY_SQL_NEXT)
    " FROM api_keys k"
    " LEFT JOIN organizations o ON o.id = k.organization_id"
    MCP_GATEWAY_SERVER_JOINS("k.organization_id", "$2")
    " WHERE k.prefix = $1"};

constexpr Query kFindGatewayUserByOrganization{
    "find_gateway_user_by_organization",
    MCP_GATEWAY_USER_SELECT("NULL", "cs.clerk_status")
    " FROM users u"
    " LEFT JOIN sessions cs ON cs.clerk_session_id = $4"
    " LEFT JOIN organizations o ON o.clerk_id = $2"
    " LEFT JOIN organization_memberships m ON m.organization_id = o.id AND m.user_id = u.id AND m.deleted_at IS NULL"
    MCP_GATEWAY_SERVER_JOINS("o.id", "$3")
    " WHERE u.clerk_id = $1"};

constexpr Query kFindGatewayUserByOrganizationSlug{
    "find_gateway_user_by_organization_slug",
    MCP_GATEWAY_USER_SELECT("NULL", "cs.clerk_status")
    " FROM users u"
    " LEFT JOIN sessions cs ON cs.clerk_session_id = $4"
    " LEFT JOIN organizations o ON o.slug = $2 AND o.deleted_at IS NULL"
    " LEFT JOIN organization_memberships m ON m.organization_id = o.id AND m.user_id = u.id AND m.deleted_at IS NULL"
    MCP_GATEWAY_SERVER_JOINS("o.id", "$3")
    " WHERE u.clerk_id = $1"};

constexpr Query kFindGatewayUserBySession{
    "find_gateway_user_by_session",
    MCP_GATEWAY_USER_SELECT("se.expires_at", "cs.clerk_status")
    " FROM users u"
    " LEFT JOIN sessions cs ON cs.clerk_session_id = $2"
    " LEFT JOIN sessions se ON se.clerk_session_id = $2 AND se.user_id = u.id AND se.revoked_at IS NULL"
    " AND (se.expires_at IS NULL OR se.expires_at > $3)"
    " LEFT JOIN organizations o ON o.id = se.organization_id"
    " LEFT JOIN organization_memberships m ON m.organization_id = o.id AND m.user_id = u.id AND m.deleted_at IS NULL"
    MCP_GATEWAY_SERVER_JOINS("o.id", "$4")
    " WHERE u.clerk_id = $1"};

constexpr Query kFindGatewayUserByEnabledMembership{
    "find_gateway_user_by_enabled_membership",
    MCP_GATEWAY_USER_SELECT("NULL", "NULL")
    " FROM users u"
    " LEFT JOIN organization_memberships m ON m.user_id = u.id AND m.deleted_at IS NULL AND EXISTS ("
    "   SELECT 1 FROM organizations eo"
    "   JOIN organization_services eos ON eos.organization_id = eo.id AND eos.enabled = TRUE"
    "   JOIN mcp_servers es ON es.id = eos.mcp_server_id AND es.slug = $2"
    "   WHERE eo.id = m.organization_id AND eo.deleted_at IS NULL)"
    " LEFT JOIN organizations o ON o.id = m.organization_id"
    MCP_GATEWAY_SERVER_JOINS("o.id", "$2")
    " WHERE u.clerk_id = $1 ORDER BY o.id LIMIT 2"};

#undef MCP_GATEWAY_SERVER_JOINS
#undef MCP_GATEWAY_USER_SELECT
#undef MCP_GATEWAY_USER_COLUMNS
#undef MCP_GATEWAY_KEY_COLUMNS
#undef MCP_GATEWAY_SERVER_COLUMNS
#undef MCP_GATEWAY_SQL_FIRST
#undef MCP_GATEWAY_SQL_NEXT
#undef MCP_GATEWAY_ENUM

GatewayServerRow server_from(const Row& row, size_t first) {
  GatewayServerRow server;
  namespace c = server_column;
  server.server_id = row.opt_text(first + c::server_id);
  if (server.server_id) server.server_active = row.boolean(first + c::server_active);
  if (!row.is_null(first + c::service_enabled)) server.service_enabled = row.boolean(first + c::service_enabled);
  server.service_config = row.opt_text(first + c::service_config);
  server.service_tool_policy = row.opt_text(first + c::service_tool_policy);
  return server;
}

GatewayUserRow user_from(const Row& row) {
  GatewayUserRow user;
  namespace c = user_column;
  user.user_id = row.text(c::user_id);
  user.user_deleted_at = row.opt_int64(c::user_deleted_at);
  user.organization_id = row.opt_text(c::organization_id);
  user.organization_deleted_at = row.opt_int64(c::organization_deleted_at);
  user.membership_role = row.opt_text(c::membership_role);
  user.session_expires_at = row.opt_int64(c::session_expires_at);
  user.server = server_from(row, c::server_id);
  user.session_clerk_status = row.opt_text(c::session_clerk_status);
  user.organization_slug = row.opt_text(c::organization_slug);
  return user;
}

}  // namespace

std::optional<GatewayKeyRow> find_gateway_key(Transaction& session, const std::string& prefix, const std::string& slug) {
  Value params[] = {prefix, slug};
  Rows rows = session.query(kFindGatewayKey, params);
  if (rows.empty()) return std::nullopt;
  const Row& row = rows.front();
  GatewayKeyRow key;
  namespace c = key_column;
  key.id = row.text(c::id);
  key.key_hash = row.text(c::key_hash);
  key.organization_id = row.opt_text(c::organization_id);
  key.role = row.text(c::role);
  key.expires_at = row.opt_int64(c::expires_at);
  key.revoked_at = row.opt_int64(c::revoked_at);
  key.organization_found = !row.is_null(c::organization_found);
  key.organization_deleted_at = row.opt_int64(c::organization_deleted_at);
  key.server = server_from(row, c::server_id);
  key.organization_slug = row.opt_text(c::organization_slug);
  return key;
}

std::optional<GatewayUserRow> find_gateway_user_by_organization(Transaction& session, const std::string& clerk_user_id,
                                                                const std::string& clerk_organization_id,
                                                                const std::string& clerk_session_id,
                                                                const std::string& slug) {
  Value params[] = {clerk_user_id, clerk_organization_id, slug, clerk_session_id};
  Rows rows = session.query(kFindGatewayUserByOrganization, params);
  if (rows.empty()) return std::nullopt;
  return user_from(rows.front());
}

std::optional<GatewayUserRow> find_gateway_user_by_organization_slug(Transaction& session, const std::string& clerk_user_id,
                                                                     const std::string& organization_slug,
                                                                     const std::string& clerk_session_id,
                                                                     const std::string& slug) {
  Value params[] = {clerk_user_id, organization_slug, slug, clerk_session_id};
  Rows rows = session.query(kFindGatewayUserByOrganizationSlug, params);
  if (rows.empty()) return std::nullopt;
  return user_from(rows.front());
}

std::vector<GatewayUserRow> find_gateway_user_by_enabled_membership(Transaction& session, const std::string& clerk_user_id,
                                                                    const std::string& slug) {
  Value params[] = {clerk_user_id, slug};
  std::vector<GatewayUserRow> users;
  for (const Row& row : session.query(kFindGatewayUserByEnabledMembership, params)) users.push_back(user_from(row));
  return users;
}

std::optional<GatewayUserRow> find_gateway_user_by_session(Transaction& session, const std::string& clerk_user_id,
                                                           const std::string& clerk_session_id, int64_t now_ms,
                                                           const std::string& slug) {
  Value params[] = {clerk_user_id, clerk_session_id, now_ms, slug};
  Rows rows = session.query(kFindGatewayUserBySession, params);
  if (rows.empty()) return std::nullopt;
  return user_from(rows.front());
}

}  // namespace mcp::storage
