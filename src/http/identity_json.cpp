#include "http/identity_json.h"

#include "http/api_support.h"
#include "util/nullable_json.h"

namespace mcp::http {

nlohmann::json organization_json(const storage::OrganizationRecord& organization) {
  return {{"id", organization.id},
          {"clerk_id", organization.clerk_id},
          {"name", organization.name},
          {"slug", util::nullable_text(organization.slug)},
          {"image_url", util::nullable_text(organization.image_url)},
          {"metadata", organization.metadata},
          {"deleted_at", util::nullable_time(organization.deleted_at)},
          {"created_at", util::nullable_time(organization.created_at)},
          {"updated_at", util::nullable_time(organization.updated_at)}};
}

nlohmann::json user_json(const storage::UserRecord& user) {
  return {{"id", user.id},
          {"clerk_id", user.clerk_id},
          {"email", util::nullable_text(user.email)},
          {"first_name", util::nullable_text(user.first_name)},
          {"last_name", util::nullable_text(user.last_name)},
          {"image_url", util::nullable_text(user.image_url)},
          {"metadata", user.metadata},
          {"last_sign_in_at", util::nullable_time(user.last_sign_in_at)},
          {"deleted_at", util::nullable_time(user.deleted_at)},
          {"created_at", util::nullable_time(user.created_at)},
          {"updated_at", util::nullable_time(user.updated_at)}};
}

nlohmann::json membership_json(const storage::MembershipRecord& membership, const storage::UserRecord* user) {
  nlohmann::json json = {{"id", membership.id},
                         {"clerk_id", membership.clerk_id},
                         {"organization_id", membership.organization_id},
                         {"user_id", membership.user_id},
                         {"role", membership.role},
                         {"clerk_role", util::nullable_text(membership.clerk_role)},
                         {"deleted_at", util::nullable_time(membership.deleted_at)},
                         {"created_at", util::nullable_time(membership.created_at)},
                         {"updated_at", util::nullable_time(membership.updated_at)}};
  if (user) json["user"] = user_json(*user);
  return json;
}

}  // namespace mcp::http
