#include "domain/clerk_event.h"

#include "util/json_limits.h"

namespace mcp::domain {

namespace {

using nlohmann::json;

const json& require_object(const json& parent, const char* key, const std::string& where) {
  auto found = parent.find(key);
  if (found == parent.end() || !found->is_object()) {
    throw InvalidPayload(where + "." + key + " is missing or not an object");
  }
  return *found;
}

std::string require_string(const json& parent, const char* key, const std::string& where) {
  auto found = parent.find(key);
  if (found == parent.end() || !found->is_string() || found->get_ref<const std::string&>().empty()) {
    throw InvalidPayload(where + "." + key + " is missing or not a non-empty string");
  }
  return found->get<std::string>();
}

int64_t require_millis(const json& parent, const char* key, const std::string& where) {
  auto found = parent.find(key);
  if (found == parent.end() || !found->is_number_integer()) {
    throw InvalidPayload(where + "." + key + " is missing or not an integer (milliseconds)");
  }
  return found->get<int64_t>();
}

std::optional<std::string> optional_string(const json& parent, const char* key) {
  auto found = parent.find(key);
  if (found == parent.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

std::optional<int64_t> optional_millis(const json& parent, const char* key) {
  auto found = parent.find(key);
  if (found == parent.end() || !found->is_number_integer()) return std::nullopt;
  return found->get<int64_t>();
}

json optional_object(const json& parent, const char* key) {
  auto found = parent.find(key);
  if (found == parent.end() || !found->is_object()) return json::object();
  return *found;
}

// A user's primary email is the email_addresses entry whose id is primary_email_address_id.
std::optional<std::string> primary_email(const json& data) {
  auto primary = optional_string(data, "primary_email_address_id");
  auto addresses = data.find("email_addresses");
  if (addresses == data.end() || !addresses->is_array()) return std::nullopt;
  for (const auto& entry : *addresses) {
    if (!entry.is_object()) continue;
    if (primary && optional_string(entry, "id") == primary) return optional_string(entry, "email_address");
  }
  return std::nullopt;
}

ClerkUserData parse_user(const json& data) {
  ClerkUserData user;
  user.clerk_id = require_string(data, "id", "data");
  user.updated_at = require_millis(data, "updated_at", "data");
  user.email = primary_email(data);
  user.first_name = optional_string(data, "first_name");
  user.last_name = optional_string(data, "last_name");
  user.image_url = optional_string(data, "image_url");
  if (!user.image_url) user.image_url = optional_string(data, "profile_image_url");
  user.public_metadata = optional_object(data, "public_metadata");
  user.last_sign_in_at = optional_millis(data, "last_sign_in_at");
  return user;
}

ClerkOrganizationData parse_organization(const json& data, const std::string& where) {
  ClerkOrganizationData organization;
  organization.clerk_id = require_string(data, "id", where);
  organization.name = require_string(data, "name", where);
  organization.updated_at = require_millis(data, "updated_at", where);
  organization.slug = optional_string(data, "slug");
  organization.image_url = optional_string(data, "image_url");
  if (!organization.image_url) organization.image_url = optional_string(data, "logo_url");
  organization.public_metadata = optional_object(data, "public_metadata");
  return organization;
}

ClerkMembershipData parse_membership(const json& data) {
  ClerkMembershipData membership;
  membership.clerk_id = require_string(data, "id", "data");
  membership.role = require_string(data, "role", "data");
  membership.created_at = require_millis(data, "created_at", "data");
  membership.updated_at = require_millis(data, "updated_at", "data");
  membership.organization = parse_organization(require_object(data, "organization", "data"), "data.organization");
  const json& user = require_object(data, "public_user_data", "data");
  membership.user.clerk_id = require_string(user, "user_id", "data.public_user_data");
  membership.user.identifier = optional_string(user, "identifier");
  membership.user.first_name = optional_string(user, "first_name");
  membership.user.last_name = optional_string(user, "last_name");
  membership.user.image_url = optional_string(user, "image_url");
  return membership;
}

ClerkSessionData parse_session(const json& data) {
  ClerkSessionData session;
  session.clerk_id = require_string(data, "id", "data");
  session.user_id = require_string(data, "user_id", "data");
  session.status = require_string(data, "status", "data");
  session.updated_at = require_millis(data, "updated_at", "data");
  session.last_active_organization_id = optional_string(data, "last_active_organization_id");
  session.last_active_at = optional_millis(data, "last_active_at");
  session.expire_at = optional_millis(data, "expire_at");
  return session;
}

}  // namespace

bool is_ended_session_status(const std::string& status) { return status != "active" && status != "pending"; }

ClerkUserData parse_clerk_user(const json& object) { return parse_user(object); }
ClerkOrganizationData parse_clerk_organization(const json& object) { return parse_organization(object, "data"); }
ClerkMembershipData parse_clerk_membership(const json& object) { return parse_membership(object); }

std::optional<std::string> peek_event_type(std::string_view body) {
  util::LimitedJson parsed = util::parse_json_limited(body, kMaxWebhookJsonDepth);
  if (!parsed.ok() || !parsed.value.is_object()) return std::nullopt;
  return optional_string(parsed.value, "type");
}

ClerkEvent parse_clerk_event(std::string_view body) {
  util::LimitedJson parsed = util::parse_json_limited(body, kMaxWebhookJsonDepth);
  if (parsed.error == util::LimitedJson::Error::TooDeep) {
    throw InvalidPayload("the body is nested more than " + std::to_string(kMaxWebhookJsonDepth) + " levels deep");
  }
  if (!parsed.ok()) throw InvalidPayload("the body is not valid JSON");
  json envelope = std::move(parsed.value);
  if (!envelope.is_object()) throw InvalidPayload("the body is not a JSON object");
  ClerkEvent event;
  event.type = require_string(envelope, "type", "event");
  event.timestamp = optional_millis(envelope, "timestamp");
  const std::string& type = event.type;
  bool known = type.rfind("user.", 0) == 0 || type.rfind("organization.", 0) == 0 ||
               type.rfind("organizationMembership.", 0) == 0 || type == "session.created" || type == "session.pending" ||
               type == "session.ended" || type == "session.removed" || type == "session.revoked";
  if (!known) return event;  // kept and answered 2xx; its shape is not ours to judge
  const json& data = require_object(envelope, "data", "event");

  if (type == "user.created" || type == "user.updated") {
    event.kind = ClerkEventKind::UserUpserted;
    event.user = parse_user(data);
  } else if (type == "user.deleted") {
    event.kind = ClerkEventKind::UserDeleted;
    event.deleted_id = require_string(data, "id", "data");
  } else if (type == "organization.created" || type == "organization.updated") {
    event.kind = ClerkEventKind::OrganizationUpserted;
    event.organization = parse_organization(data, "data");
  } else if (type == "organization.deleted") {
    event.kind = ClerkEventKind::OrganizationDeleted;
    event.deleted_id = require_string(data, "id", "data");
  } else if (type == "organizationMembership.created" || type == "organizationMembership.updated") {
    event.kind = ClerkEventKind::MembershipUpserted;
    event.membership = parse_membership(data);
  } else if (type == "organizationMembership.deleted") {
    event.kind = ClerkEventKind::MembershipDeleted;
    event.membership = parse_membership(data);
  } else if (type.rfind("session.", 0) == 0) {
    event.kind = ClerkEventKind::SessionChanged;
    event.session = parse_session(data);
  }
  // Other user.* / organization.* types (e.g. organizationInvitation.*) stay Other.
  return event;
}

}  // namespace mcp::domain
