#include "http/identity_json.h"

#include "http/api_support.h"

namespace mcp::http {

nlohmann::json organization_json(const storage::OrganizationRecord& organization) {
  return {{"id", organization.id},
          {"clerk_id", organization.clerk_id},
          {"name", organization.name},
          {"slug", text_or_null(organization.slug)},
          {"image_url", text_or_null(organization.image_url)},
          {"metadata", organization.metadata},
          {"deleted_at", timestamp_json(organization.deleted_at)},
          {"created_at", timestamp_json(organization.created_at)},
          {"updated_at", timestamp_json(organization.updated_at)}};
}

nlohmann::json user_json(const storage::UserRecord& user) {
  return {{"id", user.id},
          {"clerk_id", user.clerk_id},
          {"email", text_or_null(user.email)},
          {"first_name", text_or_null(user.first_name)},
          {"last_name", text_or_null(user.last_name)},
          {"image_url", text_or_null(user.image_url)},
          {"metadata", user.metadata},
          {"last_sign_in_at", timestamp_json(user.last_sign_in_at)},
          {"deleted_at", timestamp_json(user.deleted_at)},
          {"created_at", timestamp_json(user.created_at)},
          {"updated_at", timestamp_json(user.updated_at)}};
}

nlohmann::json membership_json(const storage::MembershipRecord& membership, const storage::UserRecord* user) {
  nlohmann::json json = {{"id", membership.id},
                         {"clerk_id", membership.clerk_id},
                         {"organization_id", membership.organization_id},
                         {"user_id", membership.user_id},
                         {"role", membership.role},
                         {"clerk_role", text_or_null(membership.clerk_role)},
                         {"deleted_at", timestamp_json(membership.deleted_at)},
                         {"created_at", timestamp_json(membership.created_at)},
                         {"updated_at", timestamp_json(membership.updated_at)}};
  if (user) json["user"] = user_json(*user);
  return json;
}

}  // namespace mcp::http
