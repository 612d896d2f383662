#include "domain/seed.h"

#include <stdexcept>

#include "domain/audit_trail.h"
#include "embedded/files.h"
#include "storage/mcp_server_store.h"
#include "util/json_limits.h"

namespace mcp::domain {

namespace {

std::vector<storage::McpServerRecord> seed_servers() {
  for (const auto& file : embedded::files()) {
    if (file.path != "seeds/mcp_servers.json") continue;
    util::LimitedJson parsed = util::parse_json_limited(file.bytes, util::kMaxStoredJsonDepth);
    if (!parsed.ok()) throw std::logic_error("seeds/mcp_servers.json embedded in this binary is not valid JSON");
    nlohmann::json doc = std::move(parsed.value);
    std::vector<storage::McpServerRecord> servers;
    for (const auto& entry : doc.at("mcp_servers")) {
      storage::McpServerRecord server;
      server.slug = entry.at("slug").get<std::string>();
      server.name = entry.at("name").get<std::string>();
      server.description = entry.value("description", std::string());
      server.url = entry.value("url", std::string());
      server.transport = entry.value("transport", std::string("stdio"));
      server.capabilities = entry.value("capabilities", nlohmann::json::object());
      server.is_active = entry.value("is_active", true);
      servers.push_back(std::move(server));
    }
    return servers;
  }
  throw std::logic_error("seeds/mcp_servers.json is not embedded in this binary");
}

}  // namespace

SeedResult run_seed(storage::Database& db) {
  std::vector<storage::McpServerRecord> servers = seed_servers();
  return storage::write_value(db, [&](storage::Transaction& session) {
    SeedResult result;
    for (auto& server : servers) {
      if (!storage::insert_mcp_server_if_absent(session, server)) {
        ++result.present;
        continue;
      }
      ++result.inserted;
      AuditTrail(session, system_actor("seed"))
          .record(std::nullopt, audit_action::kMcpServerCreated, audit_target::kMcpServer, server.id, nullptr,
                  {{"slug", server.slug}, {"name", server.name}, {"transport", server.transport}});
    }
    return result;
  });
}

}  // namespace mcp::domain
