#include "storage/mcp_server_store.h"

#include <algorithm>

#include "storage/registry_columns.h"
#include "util/ids.h"
#include "util/json_limits.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_SERVERS "SELECT " MCP_SELECT_COLUMNS(MCP_SERVER_COLUMNS, m) " FROM mcp_servers m "

constexpr Query kInsertServerIfAbsent{
    "insert_mcp_server_if_absent",
    "INSERT INTO mcp_servers (id, slug, name, description, url, transport, capabilities, is_active, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (slug) DO NOTHING RETURNING id"};
constexpr Query kInsertServer{"insert_mcp_server",
                              "INSERT INTO mcp_servers (id, slug, name, description, url, transport, capabilities, "
                              "is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"};
constexpr Query kListServers{"list_mcp_servers", MCP_SERVERS "ORDER BY m.slug"};
constexpr Query kListServersPage{"list_mcp_servers_page", MCP_SERVERS "WHERE m.id > $1 ORDER BY m.id LIMIT $2"};
constexpr Query kFindServer{"find_mcp_server", MCP_SERVERS "WHERE m.id = $1"};
constexpr Query kFindServerBySlug{"find_mcp_server_by_slug", MCP_SERVERS "WHERE m.slug = $1"};
constexpr Query kUpdateServer{"update_mcp_server",
                              "UPDATE mcp_servers SET slug = $2, name = $3, description = $4, url = $5, transport = $6, "
                              "capabilities = $7, is_active = $8, updated_at = $9 WHERE id = $1 AND updated_at = $10"};
constexpr Query kDeleteServer{"delete_mcp_server", "DELETE FROM mcp_servers WHERE id = $1"};

#undef MCP_SERVERS

// Reads the columns of registry_columns.h, by name.
McpServerRecord server_from(const Row& row) {
  namespace c = mcp_server_column;
  McpServerRecord server;
  server.id = row.text(c::id);
  server.slug = row.text(c::slug);
  server.name = row.text(c::name);
  server.description = row.opt_text(c::description);
  server.url = row.opt_text(c::url);
  server.transport = row.text(c::transport);
  server.capabilities = util::parse_json_limited(row.text(c::capabilities), util::kMaxStoredJsonDepth).value;
  if (server.capabilities.is_discarded()) server.capabilities = nlohmann::json::object();
  server.is_active = row.boolean(c::is_active);
  server.created_at = row.int64(c::created_at);
  server.updated_at = row.int64(c::updated_at);
  return server;
}

std::vector<McpServerRecord> servers_from(const Rows& rows) {
  std::vector<McpServerRecord> servers;
  servers.reserve(rows.size());
  for (const Row& row : rows) servers.push_back(server_from(row));
  return servers;
}

std::optional<McpServerRecord> find_one(Transaction& session, const Query& query, const std::string& key) {
  Value params[] = {key};
  Rows rows = session.query(query, params);
  if (rows.empty()) return std::nullopt;
  return server_from(rows.front());
}

}  // namespace

bool is_mcp_server_id(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t idx = 0; idx < text.size(); ++idx) {
    char c = text[idx];
    bool dash_position = idx == 8 || idx == 13 || idx == 18 || idx == 23;
    if (dash_position ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool insert_mcp_server_if_absent(Transaction& session, McpServerRecord& server) {
  server.id = util::new_uuid_v7();
  server.created_at = server.updated_at = util::now_ms();
  Value params[] = {server.id,        server.slug,          server.name,
                    opt(server.description), opt(server.url), server.transport,
                    server.capabilities.dump(), server.is_active, server.created_at};
  return !session.query(kInsertServerIfAbsent, params).empty();
}

void insert_mcp_server(Transaction& session, McpServerRecord& server) {
  server.id = util::new_uuid_v7();
  server.created_at = server.updated_at = util::now_ms();
  Value params[] = {server.id,        server.slug,          server.name,
                    opt(server.description), opt(server.url), server.transport,
                    server.capabilities.dump(), server.is_active, server.created_at};
  session.execute(kInsertServer, params);
}

std::vector<McpServerRecord> list_mcp_servers(Transaction& session) { return servers_from(session.query(kListServers)); }

std::vector<McpServerRecord> list_mcp_servers_page(Transaction& session, const std::optional<std::string>& after_id,
                                                   int limit) {
  Value params[] = {after_id.value_or(""), int64_t{limit}};
  return servers_from(session.query(kListServersPage, params));
}

std::optional<McpServerRecord> find_mcp_server(Transaction& session, const std::string& id) {
  return find_one(session, kFindServer, id);
}

std::optional<McpServerRecord> find_mcp_server_by_slug(Transaction& session, const std::string& slug) {
  return find_one(session, kFindServerBySlug, slug);
}

std::optional<McpServerRecord> find_mcp_server_by_id_or_slug(Transaction& session, const std::string& id_or_slug) {
  if (is_mcp_server_id(id_or_slug)) return find_mcp_server(session, id_or_slug);
  // Not a slug either (slugs are [a-z0-9-]{1,64}): nothing to ask the database.
  bool slug_shaped = !id_or_slug.empty() && id_or_slug.size() <= 64 &&
                     std::all_of(id_or_slug.begin(), id_or_slug.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                     });
  if (!slug_shaped) return std::nullopt;
  return find_mcp_server_by_slug(session, id_or_slug);
}

bool update_mcp_server(Transaction& session, const McpServerRecord& server, int64_t expected_updated_at) {
  Value params[] = {server.id,
                    server.slug,
                    server.name,
                    opt(server.description),
                    opt(server.url),
                    server.transport,
                    server.capabilities.dump(),
                    server.is_active,
                    server.updated_at,
                    expected_updated_at};
  return session.execute(kUpdateServer, params) > 0;
}

bool delete_mcp_server(Transaction& session, const std::string& id) {
  Value params[] = {id};
  return session.execute(kDeleteServer, params) > 0;
}

}  // namespace mcp::storage
