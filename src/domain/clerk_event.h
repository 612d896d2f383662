#pragma once
// Clerk webhook payloads, parsed and checked: the envelope {data, object, type, timestamp,
// instance_id, event_attributes} and the data of the nine events the sync applies.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcp::domain {

// A payload that is not JSON or lacks a required field; the message names what is wrong (never
// the payload itself).
class InvalidPayload : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ClerkUserData {
  std::string clerk_id;
  std::optional<std::string> email, first_name, last_name, image_url;
  nlohmann::json public_metadata = nlohmann::json::object();
  std::optional<int64_t> last_sign_in_at;
  int64_t updated_at = 0;
};

struct ClerkOrganizationData {
  std::string clerk_id;
  std::string name;
  std::optional<std::string> slug, image_url;
  nlohmann::json public_metadata = nlohmann::json::object();
  int64_t updated_at = 0;
};

// The user as a membership carries it (public_user_data): no timestamp of its own.
struct ClerkPublicUserData {
  std::string clerk_id;
  std::optional<std::string> identifier, first_name, last_name, image_url;
};

struct ClerkMembershipData {
  std::string clerk_id;
  std::string role;  // Clerk's, e.g. org:admin
  int64_t created_at = 0;
  int64_t updated_at = 0;
  ClerkOrganizationData organization;
  ClerkPublicUserData user;
};

// A Clerk Session object (session.* events): status active, pending, ended, removed, revoked,
// expired, abandoned or replaced.
struct ClerkSessionData {
  std::string clerk_id;  // sess_…
  std::string user_id;   // Clerk's user id
  std::string status;
  std::optional<std::string> last_active_organization_id;
  std::optional<int64_t> last_active_at, expire_at;
  int64_t updated_at = 0;
};

// Whether Clerk's session status means the session is over (every status but active and pending):
// a token of such a session is refused here, and the row never becomes live again.
bool is_ended_session_status(const std::string& status);

enum class ClerkEventKind {
  UserUpserted,            // user.created, user.updated
  UserDeleted,             // user.deleted
  OrganizationUpserted,    // organization.created, organization.updated
  OrganizationDeleted,     // organization.deleted
  MembershipUpserted,      // organizationMembership.created, organizationMembership.updated
  MembershipDeleted,       // organizationMembership.deleted
  SessionChanged,          // session.created, session.pending, session.ended, session.removed, session.revoked
  Other,                   // any other type: kept, answered 2xx, not applied
};

struct ClerkEvent {
  std::string type;
  ClerkEventKind kind = ClerkEventKind::Other;
  std::optional<int64_t> timestamp;  // the envelope's, in ms
  std::string deleted_id;            // UserDeleted, OrganizationDeleted
  ClerkUserData user;
  ClerkOrganizationData organization;
  ClerkMembershipData membership;
  ClerkSessionData session;
};

// How deep a webhook body may nest: Clerk's envelopes nest about six levels, metadata a few more.
// A deeper body is refused while it is parsed (a 70,000-level public_metadata would overflow the
// stack of everything that recurses over it afterwards) and answered 400 like any malformed payload.
inline constexpr size_t kMaxWebhookJsonDepth = 64;

// Parses a verified body. Throws InvalidPayload.
ClerkEvent parse_clerk_event(std::string_view body);

// Backend API objects (GET /v1/users, /v1/organizations, /v1/organization_memberships) have the
// shapes of the webhook events' data: these read one, as clerk sync does. Throw InvalidPayload.
ClerkUserData parse_clerk_user(const nlohmann::json& object);
ClerkOrganizationData parse_clerk_organization(const nlohmann::json& object);
ClerkMembershipData parse_clerk_membership(const nlohmann::json& object);

// The type of a body if it can be read, for the inbox record of a payload that failed to parse.
std::optional<std::string> peek_event_type(std::string_view body);

}  // namespace mcp::domain
