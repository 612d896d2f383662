#pragma once
// Clerk webhook payloads, parsed and checked: the envelope {data, object, type, timestamp,
// instance_id, event_attributes} and the data of the nine events the sync applies.
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

enum class ClerkEventKind {
  UserUpserted,            // user.created, user.updated
  UserDeleted,             // user.deleted
  OrganizationUpserted,    // organization.created, organization.updated
  OrganizationDeleted,     // organization.deleted
  MembershipUpserted,      // organizationMembership.created, organizationMembership.updated
  MembershipDeleted,       // organizationMembership.deleted
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
};

// Parses a verified body. Throws InvalidPayload.
ClerkEvent parse_clerk_event(std::string_view body);

// The type of a body if it can be read, for the inbox record of a payload that failed to parse.
std::optional<std::string> peek_event_type(std::string_view body);

}  // namespace mcp::domain
