#include "domain/services.h"

#include <algorithm>

#include "domain/tool_policy.h"
#include "storage/errors.h"
#include "util/nullable_json.h"

namespace mcp::domain {

namespace {

constexpr int kWriteAttempts = 8;

// enabled: from off (or no row) to on; disabled: from on (or no row) to off; otherwise updated.
std::string_view action_for(const std::optional<storage::ServiceRecord>& before, const storage::ServiceRecord& after) {
  bool was_enabled = before && before->enabled;
  if (after.enabled && (!before || !was_enabled)) return audit_action::kServiceEnabled;
  if (!after.enabled && (!before || was_enabled)) return audit_action::kServiceDisabled;
  return audit_action::kServiceUpdated;
}

}  // namespace

nlohmann::json service_view(const storage::ServiceRecord& service, const storage::McpServerRecord& server) {
  return {{"id", service.id},
          {"organization_id", service.organization_id},
          {"mcp_server_id", service.mcp_server_id},
          {"mcp_server",
           {{"id", server.id},
            {"slug", server.slug},
            {"name", server.name},
            {"transport", server.transport},
            {"url", util::nullable_text(server.url)},
            {"is_active", server.is_active}}},
          {"enabled", service.enabled},
          {"config", service.config},
          {"tool_policy", service.tool_policy.value_or(ToolPolicy{}.to_json())},
          {"created_at", util::nullable_time(service.created_at)},
          {"updated_at", util::nullable_time(service.updated_at)}};
}

storage::ServiceRecord put_service(AuditTrail& trail, const storage::McpServerRecord& server,
                                   const std::string& organization_id, const ServiceChange& change, int64_t now_ms) {
  storage::Transaction& session = trail.session();
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    std::optional<storage::ServiceRecord> before = storage::find_service(session, organization_id, server.id);
    storage::ServiceRecord after;
    if (before) {
      after = *before;
    } else {
      after.organization_id = organization_id;
      after.mcp_server_id = server.id;
    }
    if (change.config) after.config = *change.config;
    if (change.tool_policy) after.tool_policy = *change.tool_policy;
    after.enabled = change.enabled;
    if (before && before->enabled == after.enabled && before->config == after.config &&
        before->tool_policy == after.tool_policy) {
      return *before;  // nothing to change: no write, no audit
    }
    if (before) {
      after.updated_at = std::max(now_ms, before->updated_at + 1);
      if (!storage::update_service(session, after, before->updated_at)) continue;
    } else if (!storage::insert_service_if_absent(session, after)) {
      continue;  // a concurrent PUT created it: apply this one on top
    }
    trail.record(organization_id, action_for(before, after), audit_target::kService, after.id,
                 before ? service_view(*before, server) : nlohmann::json(nullptr), service_view(after, server));
    return after;
  }
  throw storage::Conflict("organization_services: the row kept changing under the update");
}

DisableOutcome disable_service(AuditTrail& trail, const storage::McpServerRecord& server,
                               const std::string& organization_id, int64_t now_ms) {
  storage::Transaction& session = trail.session();
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    auto before = storage::find_service(session, organization_id, server.id);
    if (!before) return DisableOutcome::NoService;
    if (!before->enabled) return DisableOutcome::AlreadyDisabled;
    storage::ServiceRecord after = *before;
    after.enabled = false;
    after.updated_at = std::max(now_ms, before->updated_at + 1);
    if (!storage::update_service(session, after, before->updated_at)) continue;
    trail.record(organization_id, audit_action::kServiceDisabled, audit_target::kService, after.id,
                 service_view(*before, server), service_view(after, server));
    return DisableOutcome::Disabled;
  }
  throw storage::Conflict("organization_services: the row kept changing under the update");
}

}  // namespace mcp::domain
