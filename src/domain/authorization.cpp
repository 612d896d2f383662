#include "domain/authorization.h"

namespace mcp::domain {

int role_rank(std::string_view role) {
  if (role == "ADMIN") return 3;
  if (role == "MEMBER") return 2;
  if (role == "VIEWER") return 1;
  return 0;
}

bool is_role(std::string_view role) { return role_rank(role) > 0; }

bool can_see_organization(const Principal& principal, std::string_view organization_id) {
  return principal.platform_admin || (principal.organization_id && *principal.organization_id == organization_id);
}

namespace {
int required_rank(Permission permission) {
  switch (permission) {
    case Permission::Read: return 1;
    case Permission::Use: return 2;
    case Permission::Manage: return 3;
    case Permission::Platform: return 4;
  }
  return 4;
}

const char* describe(Permission permission) {
  switch (permission) {
    case Permission::Read: return "VIEWER";
    case Permission::Use: return "MEMBER";
    case Permission::Manage: return "ADMIN";
    case Permission::Platform: return "platform admin";
  }
  return "platform admin";
}
}  // namespace

void authorize(const Principal& principal, Permission permission, const std::optional<std::string>& organization_id,
               const std::string& not_found_detail) {
  if (principal.platform_admin) return;
  if (organization_id && !can_see_organization(principal, *organization_id)) throw AccessDenied(404, not_found_detail);
  if (permission == Permission::Platform) {
    throw AccessDenied(403, "This needs a platform-admin API key (one with no organization).");
  }
  if (!organization_id) {
    // Platform-wide resources (the MCP server registry) are readable by any organization member.
    if (principal.organization_id && role_rank(principal.role) >= required_rank(permission)) return;
    throw AccessDenied(403, principal.organization_id
                                ? std::string("This needs the role ") + describe(permission) + " or higher."
                                : "This needs an active organization: sign in to one (Clerk) or use an "
                                  "organization's API key.");
  }
  if (role_rank(principal.role) < required_rank(permission)) {
    throw AccessDenied(403, std::string("This needs the role ") + describe(permission) + " or higher; the credential has " +
                                (principal.role.empty() ? std::string("none") : principal.role) + ".");
  }
}

}  // namespace mcp::domain
