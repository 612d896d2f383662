#include "storage/mcp_server_store.h"

#include "util/ids.h"
#include "util/time.h"

namespace mcp::storage {

namespace {
constexpr Query kInsertServerIfAbsent{
    "insert_mcp_server_if_absent",
    "INSERT INTO mcp_servers (id, slug, name, description, url, transport, capabilities, is_active, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (slug) DO NOTHING RETURNING id"};
constexpr Query kListServers{
    "list_mcp_servers",
    "SELECT id, slug, name, description, url, transport, capabilities, is_active, created_at, updated_at "
    "FROM mcp_servers ORDER BY slug"};
}  // namespace

bool insert_mcp_server_if_absent(Session& session, McpServerRecord& server) {
  server.id = util::new_uuid_v7();
  server.created_at = server.updated_at = util::now_ms();
  Value params[] = {server.id,        server.slug,          server.name,
                    opt(server.description), opt(server.url), server.transport,
                    server.capabilities.dump(), server.is_active, server.created_at};
  return !session.query(kInsertServerIfAbsent, params).empty();
}

std::vector<McpServerRecord> list_mcp_servers(Session& session) {
  std::vector<McpServerRecord> servers;
  for (const Row& row : session.query(kListServers)) {
    McpServerRecord server;
    server.id = row.text(0);
    server.slug = row.text(1);
    server.name = row.text(2);
    server.description = row.opt_text(3);
    server.url = row.opt_text(4);
    server.transport = row.text(5);
    server.capabilities = nlohmann::json::parse(row.text(6), nullptr, false);
    server.is_active = row.boolean(7);
    server.created_at = row.int64(8);
    server.updated_at = row.int64(9);
    servers.push_back(std::move(server));
  }
  return servers;
}

}  // namespace mcp::storage
