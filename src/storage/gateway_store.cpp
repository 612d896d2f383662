#include "storage/gateway_store.h"

namespace mcp::storage {

namespace {

// The server by slug and the organization's service for it: five columns of each query.
#define MCP_GATEWAY_SERVER_COLUMNS "s.id, s.is_active, os.enabled, os.config, os.tool_policy"
#define MCP_GATEWAY_SERVER_JOINS(ORGANIZATION_ID, SLUG_PARAM)                                \
  " LEFT JOIN mcp_servers s ON s.slug = " SLUG_PARAM                                        \
  " LEFT JOIN organization_services os ON os.organization_id = " ORGANIZATION_ID           \
  " AND os.mcp_server_id = s.id"

constexpr Query kFindGatewayKey{
    "find_gateway_key",
    "SELECT k.id, k.key_hash, k.organization_id, k.role, k.expires_at, k.revoked_at, o.id, o.deleted_at, "
    MCP_GATEWAY_SERVER_COLUMNS ", o.slug"
    " FROM api_keys k"
    " LEFT JOIN organizations o ON o.id = k.organization_id"
    MCP_GATEWAY_SERVER_JOINS("k.organization_id", "$2")
    " WHERE k.prefix = $1"};

constexpr Query kFindGatewayUserByOrganization{
    "find_gateway_user_by_organization",
    "SELECT u.id, u.deleted_at, o.id, o.deleted_at, m.role, NULL, "
    MCP_GATEWAY_SERVER_COLUMNS ", cs.clerk_status, o.slug"
    " FROM users u"
    " LEFT JOIN sessions cs ON cs.clerk_session_id = $4"
    " LEFT JOIN organizations o ON o.clerk_id = $2"
    " LEFT JOIN organization_memberships m ON m.organization_id = o.id AND m.user_id = u.id AND m.deleted_at IS NULL"
    MCP_GATEWAY_SERVER_JOINS("o.id", "$3")
    " WHERE u.clerk_id = $1"};

constexpr Query kFindGatewayUserByOrganizationSlug{
    "find_gateway_user_by_organization_slug",
    "SELECT u.id, u.deleted_at, o.id, o.deleted_at, m.role, NULL, "
    MCP_GATEWAY_SERVER_COLUMNS ", cs.clerk_status, o.slug"
    " FROM users u"
    " LEFT JOIN sessions cs ON cs.clerk_session_id = $4"
    " LEFT JOIN organizations o ON o.slug = $2 AND o.deleted_at IS NULL"
    " LEFT JOIN organization_memberships m ON m.organization_id = o.id AND m.user_id = u.id AND m.deleted_at IS NULL"
    MCP_GATEWAY_SERVER_JOINS("o.id", "$3")
    " WHERE u.clerk_id = $1"};

constexpr Query kFindGatewayUserBySession{
    "find_gateway_user_by_session",
    "SELECT u.id, u.deleted_at, o.id, o.deleted_at, m.role, se.expires_at, "
    MCP_GATEWAY_SERVER_COLUMNS ", cs.clerk_status, o.slug"
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
    "SELECT u.id, u.deleted_at, o.id, o.deleted_at, m.role, NULL, "
    MCP_GATEWAY_SERVER_COLUMNS ", NULL, o.slug"
    " FROM users u"
    " LEFT JOIN organization_memberships m ON m.user_id = u.id AND m.deleted_at IS NULL AND EXISTS ("
    "   SELECT 1 FROM organizations eo"
    "   JOIN organization_services eos ON eos.organization_id = eo.id AND eos.enabled = TRUE"
    "   JOIN mcp_servers es ON es.id = eos.mcp_server_id AND es.slug = $2"
    "   WHERE eo.id = m.organization_id AND eo.deleted_at IS NULL)"
    " LEFT JOIN organizations o ON o.id = m.organization_id"
    MCP_GATEWAY_SERVER_JOINS("o.id", "$2")
    " WHERE u.clerk_id = $1 ORDER BY o.id LIMIT 2"};

#undef MCP_GATEWAY_SERVER_COLUMNS
#undef MCP_GATEWAY_SERVER_JOINS

GatewayServerRow server_from(const Row& row, size_t first) {
  GatewayServerRow server;
  server.server_id = row.opt_text(first);
  if (server.server_id) server.server_active = row.boolean(first + 1);
  if (!row.is_null(first + 2)) server.service_enabled = row.boolean(first + 2);
  server.service_config = row.opt_text(first + 3);
  server.service_tool_policy = row.opt_text(first + 4);
  return server;
}

GatewayUserRow user_from(const Row& row) {
  GatewayUserRow user;
  user.user_id = row.text(0);
  user.user_deleted_at = row.opt_int64(1);
  user.organization_id = row.opt_text(2);
  user.organization_deleted_at = row.opt_int64(3);
  user.membership_role = row.opt_text(4);
  user.session_expires_at = row.opt_int64(5);
  user.server = server_from(row, 6);
  user.session_clerk_status = row.opt_text(11);
  user.organization_slug = row.opt_text(12);
  return user;
}

}  // namespace

std::optional<GatewayKeyRow> find_gateway_key(Transaction& session, const std::string& prefix, const std::string& slug) {
  Value params[] = {prefix, slug};
  Rows rows = session.query(kFindGatewayKey, params);
  if (rows.empty()) return std::nullopt;
  const Row& row = rows.front();
  GatewayKeyRow key;
  key.id = row.text(0);
  key.key_hash = row.text(1);
  key.organization_id = row.opt_text(2);
  key.role = row.text(3);
  key.expires_at = row.opt_int64(4);
  key.revoked_at = row.opt_int64(5);
  key.organization_found = !row.is_null(6);
  key.organization_deleted_at = row.opt_int64(7);
  key.server = server_from(row, 8);
  key.organization_slug = row.opt_text(13);
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
