#pragma once
// The one authorization decision every admin route and the gateway make (README "Roles and tenancy"):
// platform admin > ADMIN > MEMBER > VIEWER. VIEWER reads, MEMBER reads and uses services, ADMIN
// manages its organization, only a platform admin manages the platform (organizations' lifecycle,
// the MCP server registry, platform keys). Another organization's resources do not exist for a
// credential: 404, never 403, so that ids cannot be probed.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "domain/principal.h"

namespace mcp::domain {

enum class Permission {
  Read,      // VIEWER and up, in the organization
  Use,       // MEMBER and up: use the organization's MCP services
  Manage,    // ADMIN and up: change the organization, its members, services, keys; read its audit trail
  Platform,  // platform admin only
};

// The decision when it is not "allowed"; the message is safe for the client.
class AccessDenied : public std::runtime_error {
 public:
  AccessDenied(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }  // 403 or 404

 private:
  int status_;
};

// 3 ADMIN, 2 MEMBER, 1 VIEWER, 0 anything else.
int role_rank(std::string_view role);
// True for ADMIN, MEMBER, VIEWER.
bool is_role(std::string_view role);

// Whether the principal may act on the organization at all (its own, or any for a platform admin).
bool can_see_organization(const Principal& principal, std::string_view organization_id);

// Throws AccessDenied unless the principal holds `permission` in `organization_id` (the organization
// that owns the resource; nullopt for platform-wide resources such as the MCP server registry).
// A resource of an organization the principal cannot see → 404 with `not_found_detail`.
void authorize(const Principal& principal, Permission permission, const std::optional<std::string>& organization_id,
               const std::string& not_found_detail = "There is no such resource.");

}  // namespace mcp::domain
