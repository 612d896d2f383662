#include "domain/role_map.h"

namespace mcp::domain {

namespace {
std::string trim(const std::string& text) {
  size_t start = text.find_first_not_of(" \t");
  size_t end = text.find_last_not_of(" \t");
  return start == std::string::npos ? std::string() : text.substr(start, end - start + 1);
}
}  // namespace

RoleMap::RoleMap(const std::string& custom)
    : roles_{{"org:admin", "ADMIN"},
             {"admin", "ADMIN"},
             {"org:member", "MEMBER"},
             {"basic_member", "MEMBER"},
             {"member", "MEMBER"},
             {"org:viewer", "VIEWER"},
             {"viewer", "VIEWER"}} {
  size_t start = 0;
  while (start < custom.size()) {
    size_t comma = custom.find(',', start);
    std::string entry = trim(custom.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? custom.size() : comma + 1;
    if (entry.empty()) continue;
    size_t eq = entry.find('=');
    std::string clerk_role = eq == std::string::npos ? "" : trim(entry.substr(0, eq));
    std::string role = eq == std::string::npos ? "" : trim(entry.substr(eq + 1));
    if (clerk_role.empty() || (role != "ADMIN" && role != "MEMBER" && role != "VIEWER")) {
      throw std::invalid_argument("CLERK_ROLE_MAP entry '" + entry +
                                  "' is not CLERK_ROLE=ADMIN|MEMBER|VIEWER (e.g. org:owner=ADMIN,org:billing=VIEWER)");
    }
    roles_[clerk_role] = role;
  }
}

std::string RoleMap::map(const std::string& clerk_role, bool* unknown) const {
  auto found = roles_.find(clerk_role);
  if (unknown) *unknown = found == roles_.end();
  return found == roles_.end() ? "VIEWER" : found->second;
}

}  // namespace mcp::domain
