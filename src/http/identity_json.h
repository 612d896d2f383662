#pragma once
// The JSON of users, organizations and memberships, as the admin API shows them.
#include <nlohmann/json.hpp>

#include "storage/identity_store.h"

namespace mcp::http {

nlohmann::json organization_json(const storage::OrganizationRecord& organization);
nlohmann::json user_json(const storage::UserRecord& user);
// The membership, with its user nested when given.
nlohmann::json membership_json(const storage::MembershipRecord& membership,
                               const storage::UserRecord* user = nullptr);

}  // namespace mcp::http
