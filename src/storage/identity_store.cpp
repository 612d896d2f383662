#include "storage/identity_store.h"

#include "storage/advisory_lock_keys.h"
#include "storage/identity_columns.h"
#include "util/ids.h"
#include "util/json_limits.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_USERS "SELECT " MCP_SELECT_COLUMNS(MCP_USER_COLUMNS, u) " FROM users u "
#define MCP_ORGANIZATIONS "SELECT " MCP_SELECT_COLUMNS(MCP_ORGANIZATION_COLUMNS, o) " FROM organizations o "
#define MCP_MEMBERSHIPS "SELECT " MCP_SELECT_COLUMNS(MCP_MEMBERSHIP_COLUMNS, m) " FROM organization_memberships m "

constexpr Query kFindUserByClerkId{"find_user_by_clerk_id", MCP_USERS "WHERE u.clerk_id = $1"};
constexpr Query kFindUser{"find_user", MCP_USERS "WHERE u.id = $1"};
constexpr Query kInsertUser{"insert_user",
                            "INSERT INTO users (id, clerk_id, email, first_name, last_name, image_url, metadata, "
                            "last_sign_in_at, clerk_updated_at, deleted_at, created_at, updated_at) "
                            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"};
constexpr Query kUpdateUserData{"update_user_data",
                                "UPDATE users SET email = $2, first_name = $3, last_name = $4, image_url = $5, "
                                "metadata = $6, last_sign_in_at = $7, clerk_updated_at = $8, updated_at = $9 "
                                "WHERE id = $1 AND (clerk_updated_at IS NULL OR clerk_updated_at <= $8)"};
constexpr Query kSoftDeleteUser{"soft_delete_user",
                                "UPDATE users SET deleted_at = $2, updated_at = $3 "
                                "WHERE id = $1 AND (deleted_at IS NULL OR deleted_at > $2)"};

constexpr Query kFindOrganizationByClerkId{"find_organization_by_clerk_id", MCP_ORGANIZATIONS "WHERE o.clerk_id = $1"};
constexpr Query kFindLiveOrganizationBySlug{"find_live_organization_by_slug",
                                            MCP_ORGANIZATIONS "WHERE o.slug = $1 AND o.deleted_at IS NULL"};
constexpr Query kFindOrganization{"find_organization", MCP_ORGANIZATIONS "WHERE o.id = $1"};
constexpr Query kInsertOrganization{
    "insert_organization",
    "INSERT INTO organizations (id, clerk_id, name, slug, clerk_slug, image_url, metadata, clerk_updated_at, "
    "deleted_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"};
constexpr Query kUpdateOrganizationData{
    "update_organization_data",
    "UPDATE organizations SET name = $2, slug = $3, clerk_slug = $4, image_url = $5, metadata = $6, "
    "clerk_updated_at = $7, updated_at = $8 WHERE id = $1 AND (clerk_updated_at IS NULL OR clerk_updated_at <= $7)"};
constexpr Query kFindSlugClaims{"find_slug_claims",
                                "SELECT id, clerk_id, slug, clerk_updated_at, deleted_at FROM organizations "
                                "WHERE clerk_slug = $1"};
// Both conditional, so that on PostgreSQL an update that waited for another instance's transaction
// re-checks the row it finds then (READ COMMITTED) instead of undoing what that one decided.
constexpr Query kReleaseOrganizationSlug{
    "release_organization_slug", "UPDATE organizations SET slug = NULL, updated_at = $3 WHERE id = $1 AND slug = $2"};
constexpr Query kGrantOrganizationSlug{
    "grant_organization_slug",
    "UPDATE organizations SET slug = $2, updated_at = $3 WHERE id = $1 AND clerk_slug = $2 "
    "AND (slug IS NULL OR slug <> $2)"};
constexpr Query kSoftDeleteOrganization{"soft_delete_organization",
                                        "UPDATE organizations SET deleted_at = $2, updated_at = $3 "
                                        "WHERE id = $1 AND (deleted_at IS NULL OR deleted_at > $2)"};

constexpr Query kFindMembershipByClerkId{"find_membership_by_clerk_id", MCP_MEMBERSHIPS "WHERE m.clerk_id = $1"};
constexpr Query kFindLiveMembership{
    "find_live_membership",
    MCP_MEMBERSHIPS "WHERE m.organization_id = $1 AND m.user_id = $2 AND m.deleted_at IS NULL"};
constexpr Query kHasMembershipRow{
    "has_membership_row",
    "SELECT id FROM organization_memberships WHERE organization_id = $1 AND user_id = $2 LIMIT 1"};
constexpr Query kInsertMembership{
    "insert_membership",
    "INSERT INTO organization_memberships (id, clerk_id, organization_id, user_id, role, clerk_role, clerk_created_at, "
    "clerk_updated_at, deleted_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"};
constexpr Query kUpdateMembershipData{
    "update_membership_data",
    "UPDATE organization_memberships SET role = $2, clerk_role = $3, clerk_created_at = $4, clerk_updated_at = $5, "
    "updated_at = $6 WHERE id = $1 AND (clerk_updated_at IS NULL OR clerk_updated_at <= $5)"};
constexpr Query kSoftDeleteMembership{"soft_delete_membership",
                                      "UPDATE organization_memberships SET deleted_at = $2, updated_at = $3 "
                                      "WHERE id = $1 AND (deleted_at IS NULL OR deleted_at > $2)"};
constexpr Query kSoftDeleteMembershipsOfOrganization{
    "soft_delete_memberships_of_organization",
    "UPDATE organization_memberships SET deleted_at = $2, updated_at = $3 "
    "WHERE organization_id = $1 AND (deleted_at IS NULL OR deleted_at > $2) RETURNING id"};
constexpr Query kSoftDeleteMembershipsOfUser{
    "soft_delete_memberships_of_user",
    "UPDATE organization_memberships SET deleted_at = $2, updated_at = $3 "
    "WHERE user_id = $1 AND (deleted_at IS NULL OR deleted_at > $2) RETURNING id"};

// PostgreSQL only (SQLite has one writer and no FOR SHARE).
constexpr Query kLockUserForShare{"lock_user_for_share", "SELECT id FROM users WHERE id = $1 FOR SHARE"};
// Engine-specific (PostgreSQL only); the key is a parameter (storage/advisory_lock_keys.h).
constexpr Query kLockSlugHandOver{"lock_slug_hand_over", "SELECT pg_advisory_xact_lock($1)"};
constexpr Query kLockOrganizationForShare{"lock_organization_for_share",
                                          "SELECT id FROM organizations WHERE id = $1 FOR SHARE"};
constexpr Query kRevokeApiKeysOfOrganization{
    "revoke_api_keys_of_organization",
    "UPDATE api_keys SET revoked_at = $2, updated_at = $3 WHERE organization_id = $1 AND (revoked_at IS NULL OR revoked_at > $2) "
    "RETURNING id"};
constexpr Query kEndSessionsOfOrganization{
    "end_sessions_of_organization",
    "UPDATE sessions SET revoked_at = $2, updated_at = $3 WHERE organization_id = $1 AND (revoked_at IS NULL OR revoked_at > $2) "
    "RETURNING id"};
constexpr Query kEndSessionsOfUser{
    "end_sessions_of_user",
    "UPDATE sessions SET revoked_at = $2, updated_at = $3 WHERE user_id = $1 AND (revoked_at IS NULL OR revoked_at > $2) RETURNING id"};

// Admin listings (GET /api/v1/...): by id, which is creation order (UUIDv7), after a cursor id.
constexpr Query kListOrganizations{"list_organizations",
                                   MCP_ORGANIZATIONS "WHERE o.id > $1 AND ($2 OR o.deleted_at IS NULL) "
                                   "ORDER BY o.id LIMIT $3"};
constexpr Query kListOrganizationsOfUser{
    "list_organizations_of_user",
    MCP_ORGANIZATIONS "JOIN organization_memberships m ON m.organization_id = o.id AND m.deleted_at IS NULL WHERE m.user_id = $1 AND o.deleted_at IS NULL "
    "AND o.id > $2 ORDER BY o.id LIMIT $3"};
// A member's row: the membership's columns, then the user's (list_members reads them so).
constexpr Query kListMembers{"list_members",
                             "SELECT " MCP_SELECT_COLUMNS(MCP_MEMBERSHIP_COLUMNS, m) ", "
                             MCP_SELECT_COLUMNS(MCP_USER_COLUMNS, u)
                             " FROM organization_memberships m JOIN users u ON u.id = m.user_id "
                             "WHERE m.organization_id = $1 AND m.deleted_at IS NULL AND m.id > $2 ORDER BY m.id LIMIT $3"};
constexpr Query kListUsers{"list_users",
                           MCP_USERS "WHERE u.id > $1 AND ($2 OR u.deleted_at IS NULL) ORDER BY u.id LIMIT $3"};
constexpr Query kListUsersOfOrganization{
    "list_users_of_organization",
    MCP_USERS "JOIN organization_memberships m ON m.user_id = u.id "
    "AND m.deleted_at IS NULL WHERE m.organization_id = $1 AND u.deleted_at IS NULL AND u.id > $2 "
    "ORDER BY u.id LIMIT $3"};
#undef MCP_USERS
#undef MCP_ORGANIZATIONS
#undef MCP_MEMBERSHIPS
// An operator's edit through the API: the slug it sets is both the effective one and Clerk's view
// until Clerk says otherwise.
constexpr Query kUpdateOrganizationFields{
    "update_organization_fields",
    "UPDATE organizations SET name = $2, slug = $3, clerk_slug = $3, image_url = $4, metadata = $5, updated_at = $6 "
    "WHERE id = $1 AND deleted_at IS NULL"};
constexpr Query kUpdateMembershipRole{"update_membership_role",
                                      "UPDATE organization_memberships SET role = $2, updated_at = $3 "
                                      "WHERE id = $1 AND deleted_at IS NULL"};

nlohmann::json parse_json_column(const Row& row, size_t idx) {
  auto parsed = util::parse_json_limited(row.text(idx), util::kMaxStoredJsonDepth).value;
  return parsed.is_discarded() ? nlohmann::json::object() : parsed;
}

// Each reads the table's columns from `at` on (identity_columns.h), by name.
UserRecord user_at(const Row& row, size_t at) {
  namespace c = user_column;
  UserRecord user;
  user.id = row.text(at + c::id);
  user.clerk_id = row.text(at + c::clerk_id);
  user.email = row.opt_text(at + c::email);
  user.first_name = row.opt_text(at + c::first_name);
  user.last_name = row.opt_text(at + c::last_name);
  user.image_url = row.opt_text(at + c::image_url);
  user.metadata = parse_json_column(row, at + c::metadata);
  user.last_sign_in_at = row.opt_int64(at + c::last_sign_in_at);
  user.clerk_updated_at = row.opt_int64(at + c::clerk_updated_at);
  user.deleted_at = row.opt_int64(at + c::deleted_at);
  user.created_at = row.int64(at + c::created_at);
  user.updated_at = row.int64(at + c::updated_at);
  return user;
}

OrganizationRecord organization_at(const Row& row, size_t at) {
  namespace c = organization_column;
  OrganizationRecord organization;
  organization.id = row.text(at + c::id);
  organization.clerk_id = row.text(at + c::clerk_id);
  organization.name = row.text(at + c::name);
  organization.slug = row.opt_text(at + c::slug);
  organization.clerk_slug = row.opt_text(at + c::clerk_slug);
  organization.image_url = row.opt_text(at + c::image_url);
  organization.metadata = parse_json_column(row, at + c::metadata);
  organization.clerk_updated_at = row.opt_int64(at + c::clerk_updated_at);
  organization.deleted_at = row.opt_int64(at + c::deleted_at);
  organization.created_at = row.int64(at + c::created_at);
  organization.updated_at = row.int64(at + c::updated_at);
  return organization;
}

MembershipRecord membership_at(const Row& row, size_t at) {
  namespace c = membership_column;
  MembershipRecord membership;
  membership.id = row.text(at + c::id);
  membership.clerk_id = row.text(at + c::clerk_id);
  membership.organization_id = row.text(at + c::organization_id);
  membership.user_id = row.text(at + c::user_id);
  membership.role = row.text(at + c::role);
  membership.clerk_role = row.opt_text(at + c::clerk_role);
  membership.clerk_created_at = row.opt_int64(at + c::clerk_created_at);
  membership.clerk_updated_at = row.opt_int64(at + c::clerk_updated_at);
  membership.deleted_at = row.opt_int64(at + c::deleted_at);
  membership.created_at = row.int64(at + c::created_at);
  membership.updated_at = row.int64(at + c::updated_at);
  return membership;
}

UserRecord user_from(const Row& row) { return user_at(row, 0); }
OrganizationRecord organization_from(const Row& row) { return organization_at(row, 0); }
MembershipRecord membership_from(const Row& row) { return membership_at(row, 0); }

std::vector<std::string> first_column(const Rows& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(row.text(0));
  return out;
}

template <typename Record, typename Convert>
std::optional<Record> find_one(Transaction& session, const Query& query, std::initializer_list<Value> params,
                               Convert convert) {
  std::vector<Value> values(params);
  Rows rows = session.query(query, values);
  if (rows.empty()) return std::nullopt;
  return convert(rows.front());
}

}  // namespace

std::optional<UserRecord> find_user_by_clerk_id(Transaction& session, const std::string& clerk_id) {
  return find_one<UserRecord>(session, kFindUserByClerkId, {clerk_id}, user_from);
}

std::optional<UserRecord> find_user(Transaction& session, const std::string& id) {
  return find_one<UserRecord>(session, kFindUser, {id}, user_from);
}

std::optional<UserRecord> find_user_by_any_id(Transaction& session, const std::string& id_or_clerk_id) {
  return id_or_clerk_id.rfind("user_", 0) == 0 ? find_user_by_clerk_id(session, id_or_clerk_id)
                                               : find_user(session, id_or_clerk_id);
}

std::optional<OrganizationRecord> find_organization(Transaction& session, const std::string& id) {
  return find_one<OrganizationRecord>(session, kFindOrganization, {id}, organization_from);
}

std::optional<OrganizationRecord> find_organization_by_any_id(Transaction& session, const std::string& id_or_clerk_id) {
  return id_or_clerk_id.rfind("org_", 0) == 0 ? find_organization_by_clerk_id(session, id_or_clerk_id)
                                              : find_organization(session, id_or_clerk_id);
}

void insert_user(Transaction& session, UserRecord& user) {
  user.id = util::new_uuid_v7();
  Value params[] = {user.id,          user.clerk_id,          opt(user.email),
                    opt(user.first_name), opt(user.last_name), opt(user.image_url),
                    user.metadata.dump(), opt(user.last_sign_in_at), opt(user.clerk_updated_at),
                    opt(user.deleted_at), util::now_ms()};
  session.execute(kInsertUser, params);
}

bool update_user_data(Transaction& session, const UserRecord& user) {
  Value params[] = {user.id,
                    opt(user.email),
                    opt(user.first_name),
                    opt(user.last_name),
                    opt(user.image_url),
                    user.metadata.dump(),
                    opt(user.last_sign_in_at),
                    opt(user.clerk_updated_at),
                    util::now_ms()};
  return session.execute(kUpdateUserData, params) > 0;
}

bool soft_delete_user(Transaction& session, const std::string& id, int64_t at) {
  Value params[] = {id, at, util::now_ms()};
  return session.execute(kSoftDeleteUser, params) > 0;
}

std::optional<OrganizationRecord> find_organization_by_clerk_id(Transaction& session, const std::string& clerk_id) {
  return find_one<OrganizationRecord>(session, kFindOrganizationByClerkId, {clerk_id}, organization_from);
}

std::optional<OrganizationRecord> find_live_organization_by_slug(Transaction& session, const std::string& slug) {
  return find_one<OrganizationRecord>(session, kFindLiveOrganizationBySlug, {slug}, organization_from);
}


void insert_organization(Transaction& session, OrganizationRecord& organization) {
  organization.id = util::new_uuid_v7();
  Value params[] = {organization.id,
                    organization.clerk_id,
                    organization.name,
                    opt(organization.slug),
                    opt(organization.clerk_slug),
                    opt(organization.image_url),
                    organization.metadata.dump(),
                    opt(organization.clerk_updated_at),
                    opt(organization.deleted_at),
                    util::now_ms()};
  session.execute(kInsertOrganization, params);
}

bool update_organization_data(Transaction& session, const OrganizationRecord& organization) {
  Value params[] = {organization.id,           organization.name,
                    opt(organization.slug),    opt(organization.clerk_slug),
                    opt(organization.image_url), organization.metadata.dump(),
                    opt(organization.clerk_updated_at), util::now_ms()};
  return session.execute(kUpdateOrganizationData, params) > 0;
}

std::vector<SlugClaim> find_slug_claims(Transaction& session, const std::string& clerk_slug) {
  Value params[] = {clerk_slug};
  std::vector<SlugClaim> claims;
  for (const Row& row : session.query(kFindSlugClaims, params)) {
    claims.push_back({row.text(0), row.text(1), row.opt_text(2), row.opt_int64(3), !row.is_null(4)});
  }
  return claims;
}

bool release_organization_slug(Transaction& session, const std::string& id, const std::string& slug) {
  Value params[] = {id, slug, util::now_ms()};
  return session.execute(kReleaseOrganizationSlug, params) > 0;
}

bool grant_organization_slug(Transaction& session, const std::string& id, const std::string& slug) {
  Value params[] = {id, slug, util::now_ms()};
  return session.execute(kGrantOrganizationSlug, params) > 0;
}

bool soft_delete_organization(Transaction& session, const std::string& id, int64_t at) {
  Value params[] = {id, at, util::now_ms()};
  return session.execute(kSoftDeleteOrganization, params) > 0;
}

std::optional<MembershipRecord> find_membership_by_clerk_id(Transaction& session, const std::string& clerk_id) {
  return find_one<MembershipRecord>(session, kFindMembershipByClerkId, {clerk_id}, membership_from);
}

std::optional<MembershipRecord> find_live_membership(Transaction& session, const std::string& organization_id,
                                                     const std::string& user_id) {
  return find_one<MembershipRecord>(session, kFindLiveMembership, {organization_id, user_id}, membership_from);
}

bool has_membership_row(Transaction& session, const std::string& organization_id, const std::string& user_id) {
  Value params[] = {organization_id, user_id};
  return !session.query(kHasMembershipRow, params).empty();
}

void insert_membership(Transaction& session, MembershipRecord& membership) {
  membership.id = util::new_uuid_v7();
  Value params[] = {membership.id,
                    membership.clerk_id,
                    membership.organization_id,
                    membership.user_id,
                    membership.role,
                    opt(membership.clerk_role),
                    opt(membership.clerk_created_at),
                    opt(membership.clerk_updated_at),
                    opt(membership.deleted_at),
                    util::now_ms()};
  session.execute(kInsertMembership, params);
}

bool update_membership_data(Transaction& session, const MembershipRecord& membership) {
  Value params[] = {membership.id,
                    membership.role,
                    opt(membership.clerk_role),
                    opt(membership.clerk_created_at),
                    opt(membership.clerk_updated_at),
                    util::now_ms()};
  return session.execute(kUpdateMembershipData, params) > 0;
}

bool soft_delete_membership(Transaction& session, const std::string& id, int64_t at) {
  Value params[] = {id, at, util::now_ms()};
  return session.execute(kSoftDeleteMembership, params) > 0;
}

std::vector<std::string> soft_delete_memberships_of_organization(Transaction& session, const std::string& organization_id,
                                                                 int64_t at) {
  Value params[] = {organization_id, at, util::now_ms()};
  return first_column(session.query(kSoftDeleteMembershipsOfOrganization, params));
}

std::vector<std::string> soft_delete_memberships_of_user(Transaction& session, const std::string& user_id, int64_t at) {
  Value params[] = {user_id, at, util::now_ms()};
  return first_column(session.query(kSoftDeleteMembershipsOfUser, params));
}

void lock_slug_hand_over(Transaction& session) {
  if (session.engine() != Engine::Postgres) return;  // engine-specific: SQLite's writes never run concurrently
  Value params[] = {advisory_lock::kSlugHandOver};
  session.query(kLockSlugHandOver, params);
}

void lock_membership_parents(Transaction& session, const std::string& organization_id, const std::string& user_id) {
  if (session.engine() != Engine::Postgres) return;  // engine-specific: SQLite's writes never run concurrently
  Value organization[] = {organization_id};
  session.query(kLockOrganizationForShare, organization);
  Value user[] = {user_id};
  session.query(kLockUserForShare, user);
}

std::vector<std::string> revoke_api_keys_of_organization(Transaction& session, const std::string& organization_id,
                                                         int64_t at) {
  Value params[] = {organization_id, at, util::now_ms()};
  return first_column(session.query(kRevokeApiKeysOfOrganization, params));
}

std::vector<std::string> end_sessions_of_organization(Transaction& session, const std::string& organization_id, int64_t at) {
  Value params[] = {organization_id, at, util::now_ms()};
  return first_column(session.query(kEndSessionsOfOrganization, params));
}

std::vector<std::string> end_sessions_of_user(Transaction& session, const std::string& user_id, int64_t at) {
  Value params[] = {user_id, at, util::now_ms()};
  return first_column(session.query(kEndSessionsOfUser, params));
}

std::vector<OrganizationRecord> list_organizations(Transaction& session, const std::optional<std::string>& after_id,
                                                   int limit, bool include_deleted) {
  Value params[] = {after_id.value_or(""), include_deleted, int64_t{limit}};
  std::vector<OrganizationRecord> out;
  for (const Row& row : session.query(kListOrganizations, params)) out.push_back(organization_from(row));
  return out;
}

std::vector<OrganizationRecord> list_organizations_of_user(Transaction& session, const std::string& user_id,
                                                           const std::optional<std::string>& after_id, int limit) {
  Value params[] = {user_id, after_id.value_or(""), int64_t{limit}};
  std::vector<OrganizationRecord> out;
  for (const Row& row : session.query(kListOrganizationsOfUser, params)) out.push_back(organization_from(row));
  return out;
}

std::vector<MemberRecord> list_members(Transaction& session, const std::string& organization_id,
                                       const std::optional<std::string>& after_id, int limit) {
  Value params[] = {organization_id, after_id.value_or(""), int64_t{limit}};
  std::vector<MemberRecord> out;
  for (const Row& row : session.query(kListMembers, params)) {
    out.push_back(MemberRecord{membership_from(row), user_at(row, membership_column::count)});
  }
  return out;
}

std::vector<UserRecord> list_users(Transaction& session, const std::optional<std::string>& after_id, int limit,
                                   bool include_deleted) {
  Value params[] = {after_id.value_or(""), include_deleted, int64_t{limit}};
  std::vector<UserRecord> out;
  for (const Row& row : session.query(kListUsers, params)) out.push_back(user_from(row));
  return out;
}

std::vector<UserRecord> list_users_of_organization(Transaction& session, const std::string& organization_id,
                                                   const std::optional<std::string>& after_id, int limit) {
  Value params[] = {organization_id, after_id.value_or(""), int64_t{limit}};
  std::vector<UserRecord> out;
  for (const Row& row : session.query(kListUsersOfOrganization, params)) out.push_back(user_from(row));
  return out;
}

bool update_organization_fields(Transaction& session, const OrganizationRecord& organization) {
  Value params[] = {organization.id,         organization.name,          opt(organization.slug),
                    opt(organization.image_url), organization.metadata.dump(), util::now_ms()};
  return session.execute(kUpdateOrganizationFields, params) > 0;
}

bool update_membership_role(Transaction& session, const std::string& id, const std::string& role) {
  Value params[] = {id, role, util::now_ms()};
  return session.execute(kUpdateMembershipRole, params) > 0;
}

}  // namespace mcp::storage
