#include "domain/audit_trail.h"

#include <algorithm>
#include <stdexcept>

#include "storage/audit_store.h"
#include "util/nullable_json.h"
#include "util/time.h"

namespace mcp::domain {

nlohmann::json audit_view(const storage::UserRecord& user) {
  return {{"clerk_id", user.clerk_id},
          {"email", util::nullable_text(user.email)},
          {"first_name", util::nullable_text(user.first_name)},
          {"last_name", util::nullable_text(user.last_name)},
          {"deleted", user.deleted_at.has_value()}};
}

nlohmann::json audit_view(const storage::OrganizationRecord& organization) {
  return {{"clerk_id", organization.clerk_id},
          {"name", organization.name},
          {"slug", util::nullable_text(organization.clerk_slug)},
          {"deleted", organization.deleted_at.has_value()}};
}

nlohmann::json audit_view(const storage::MembershipRecord& membership) {
  return {{"clerk_id", membership.clerk_id},
          {"organization_id", membership.organization_id},
          {"user_id", membership.user_id},
          {"role", membership.role},
          {"deleted", membership.deleted_at.has_value()}};
}

bool is_audit_action(std::string_view action) {
  return std::find(kAuditActions.begin(), kAuditActions.end(), action) != kAuditActions.end();
}

AuditTrail::AuditTrail(storage::Transaction& session, AuditActor actor, std::vector<std::string>* actions)
    : session_(session), actor_(std::move(actor)), actions_(actions) {}

AuditActor system_actor(std::optional<std::string> id) {
  AuditActor actor;
  actor.type = "system";
  actor.id = std::move(id);
  return actor;
}

void AuditTrail::record(const std::optional<std::string>& organization_id, std::string_view action,
                        std::string_view target_type, const std::string& target_id, nlohmann::json before,
                        nlohmann::json after) {
  if (!is_audit_action(action)) {
    throw std::logic_error("audit action outside the vocabulary (domain/audit_trail.h): " + std::string(action));
  }
  storage::AuditEntry entry;
  entry.organization_id = organization_id;
  entry.actor_type = actor_.type;
  entry.actor_id = actor_.id;
  entry.action = action;
  entry.target_type = std::string(target_type);
  entry.target_id = target_id;
  entry.changes = {{"before", std::move(before)}, {"after", std::move(after)}};
  entry.ip = actor_.ip;
  entry.user_agent = actor_.user_agent;
  entry.request_id = actor_.request_id;
  entry.client_id = actor_.client_id;
  storage::insert_audit_log(session_, entry);
  if (actions_) actions_->push_back(std::string(action));
  ++changes_;
}

}  // namespace mcp::domain
