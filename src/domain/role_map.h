#pragma once
// Clerk organization roles → mcp-admin roles (ADMIN, MEMBER, VIEWER).
#include <map>
#include <stdexcept>
#include <string>

namespace mcp::domain {

class RoleMap {
 public:
  // Built-ins: org:admin and the legacy admin → ADMIN; org:member and the legacy basic_member →
  // MEMBER; org:viewer → VIEWER. `custom` ("org:owner=ADMIN,org:billing=VIEWER", the
  // CLERK_ROLE_MAP setting) adds or overrides; throws std::invalid_argument when malformed.
  explicit RoleMap(const std::string& custom = "");

  // The mapped role; unknown roles are VIEWER (least privilege) and set `unknown`.
  std::string map(const std::string& clerk_role, bool* unknown = nullptr) const;

 private:
  std::map<std::string, std::string> roles_;
};

}  // namespace mcp::domain
