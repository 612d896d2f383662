#pragma once
// The audit trail's one vocabulary (README "Audit logs" lists it): every action a change is
// recorded under, the target types, and the one way a change is recorded. Every writer — the
// admin API, the Clerk webhooks, `clerk sync`, the CLI, the seed and the fixture — names its
// changes from here, so an auditor filtering by one action sees every change of that kind,
// whoever made it.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/database.h"
#include "storage/identity_store.h"

namespace mcp::domain {

namespace audit_action {
inline constexpr std::string_view kOrganizationCreated = "organization.created";
inline constexpr std::string_view kOrganizationUpdated = "organization.updated";
inline constexpr std::string_view kOrganizationDeleted = "organization.deleted";
inline constexpr std::string_view kOrganizationSlugChanged = "organization.slug_changed";
inline constexpr std::string_view kUserCreated = "user.created";
inline constexpr std::string_view kUserUpdated = "user.updated";
inline constexpr std::string_view kUserDeleted = "user.deleted";
inline constexpr std::string_view kMembershipCreated = "organization_membership.created";
inline constexpr std::string_view kMembershipUpdated = "organization_membership.updated";
inline constexpr std::string_view kMembershipDeleted = "organization_membership.deleted";
inline constexpr std::string_view kApiKeyCreated = "api_key.created";
inline constexpr std::string_view kApiKeyRevoked = "api_key.revoked";
inline constexpr std::string_view kSessionCreated = "session.created";
inline constexpr std::string_view kSessionUpdated = "session.updated";
inline constexpr std::string_view kSessionRevoked = "session.revoked";
inline constexpr std::string_view kMcpServerCreated = "mcp_server.created";
inline constexpr std::string_view kMcpServerUpdated = "mcp_server.updated";
inline constexpr std::string_view kMcpServerDeleted = "mcp_server.deleted";
inline constexpr std::string_view kServiceEnabled = "organization_service.enabled";
inline constexpr std::string_view kServiceUpdated = "organization_service.updated";
inline constexpr std::string_view kServiceDisabled = "organization_service.disabled";
inline constexpr std::string_view kFixtureLoaded = "fixture.loaded";
}  // namespace audit_action

// Every action, in the README's order; the audit-logs listing documents them as its `action`
// filter's values (OpenAPI).
inline constexpr std::array kAuditActions = {
    audit_action::kOrganizationCreated, audit_action::kOrganizationUpdated, audit_action::kOrganizationDeleted,
    audit_action::kOrganizationSlugChanged, audit_action::kUserCreated, audit_action::kUserUpdated,
    audit_action::kUserDeleted, audit_action::kMembershipCreated, audit_action::kMembershipUpdated,
    audit_action::kMembershipDeleted, audit_action::kApiKeyCreated, audit_action::kApiKeyRevoked,
    audit_action::kSessionCreated, audit_action::kSessionUpdated, audit_action::kSessionRevoked,
    audit_action::kMcpServerCreated, audit_action::kMcpServerUpdated, audit_action::kMcpServerDeleted,
    audit_action::kServiceEnabled, audit_action::kServiceUpdated, audit_action::kServiceDisabled,
    audit_action::kFixtureLoaded,
};

// What a row's target_id names (the table of that row).
namespace audit_target {
inline constexpr std::string_view kOrganization = "organization";
inline constexpr std::string_view kUser = "user";
inline constexpr std::string_view kMembership = "organization_membership";
inline constexpr std::string_view kApiKey = "api_key";
inline constexpr std::string_view kSession = "session";
inline constexpr std::string_view kMcpServer = "mcp_server";
inline constexpr std::string_view kService = "organization_service";
inline constexpr std::string_view kFixture = "fixture";  // target_id: the fixture file
}  // namespace audit_target

// Who makes the changes: actor_type user | api_key | webhook | system, and what the request that
// carried them tells (none of it for the webhook's and the system's own changes).
struct AuditActor {
  std::string type;
  std::optional<std::string> id;
  std::optional<std::string> ip;
  std::optional<std::string> user_agent;
  std::optional<std::string> request_id;
  std::optional<std::string> client_id;  // the OAuth client of an access token
};

// The actor of a change mcp-admin makes on its own (the seed, a fixture, the bootstrap key): type
// "system", with `id` naming which.
AuditActor system_actor(std::optional<std::string> id = std::nullopt);

// Records the changes of one transaction, all made by one actor. `changes` holds
// {"before": …, "after": …}: null before a creation; after a cascaded change, {"reason": …}.
class AuditTrail {
 public:
  // When `actions` is given, each recorded action is appended to it too (a dry run's report).
  AuditTrail(storage::Transaction& session, AuditActor actor, std::vector<std::string>* actions = nullptr);

  // Throws std::logic_error for an action outside the vocabulary: a programming error.
  void record(const std::optional<std::string>& organization_id, std::string_view action,
              std::string_view target_type, const std::string& target_id, nlohmann::json before,
              nlohmann::json after);

  storage::Transaction& session() const { return session_; }
  // How many changes were recorded.
  int changes() const { return changes_; }

 private:
  storage::Transaction& session_;
  AuditActor actor_;
  std::vector<std::string>* actions_;
  int changes_ = 0;
};

// Whether `action` is one of kAuditActions.
bool is_audit_action(std::string_view action);

// What a synced object's before/after holds in the changes Clerk's data makes (webhooks, `clerk
// sync`) and in an organization's deletion, whoever deletes it: Clerk's id, the fields Clerk
// gives, and whether it is deleted.
nlohmann::json audit_view(const storage::UserRecord& user);
nlohmann::json audit_view(const storage::OrganizationRecord& organization);
nlohmann::json audit_view(const storage::MembershipRecord& membership);

}  // namespace mcp::domain
