#pragma once
// users, organizations, organization_memberships: the rows Clerk's webhooks keep in sync, and the
// cascades their deletion causes (memberships, API keys, sessions). Soft deletes only; a deletion
// timestamp only ever moves earlier (the earliest deletion wins), which keeps the result the same
// whatever order deletions arrive in.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/database.h"

namespace mcp::storage {

struct UserRecord {
  std::string id;
  std::string clerk_id;
  std::optional<std::string> email, first_name, last_name, image_url;
  nlohmann::json metadata = nlohmann::json::object();
  std::optional<int64_t> last_sign_in_at;
  std::optional<int64_t> clerk_updated_at;  // NULL: known only from a membership's nested data
  std::optional<int64_t> deleted_at;
  int64_t created_at = 0, updated_at = 0;  // set when read
};

struct OrganizationRecord {
  std::string id;
  std::string clerk_id;
  std::string name;
  std::optional<std::string> slug;        // effective: unique among live organizations
  std::optional<std::string> clerk_slug;  // what Clerk last said
  std::optional<std::string> image_url;
  nlohmann::json metadata = nlohmann::json::object();
  std::optional<int64_t> clerk_updated_at;
  std::optional<int64_t> deleted_at;
  int64_t created_at = 0, updated_at = 0;  // set when read
};

// An organization's claim on a slug, for deciding who holds it.
struct SlugClaim {
  std::string id;
  std::string clerk_id;
  std::optional<std::string> slug;
  std::optional<int64_t> clerk_updated_at;
  bool deleted = false;
};

struct MembershipRecord {
  std::string id;
  std::string clerk_id;
  std::string organization_id;
  std::string user_id;
  std::string role;  // ADMIN | MEMBER | VIEWER
  std::optional<std::string> clerk_role;
  std::optional<int64_t> clerk_created_at, clerk_updated_at;
  std::optional<int64_t> deleted_at;
  int64_t created_at = 0, updated_at = 0;  // set when read
};

std::optional<UserRecord> find_user_by_clerk_id(Transaction& session, const std::string& clerk_id);
std::optional<UserRecord> find_user(Transaction& session, const std::string& id);
// By Clerk id when it looks like one ("user_…"), else by internal id: what {id} in a URL accepts.
std::optional<UserRecord> find_user_by_any_id(Transaction& session, const std::string& id_or_clerk_id);
// Inserts with a new id (set on the record).
void insert_user(Transaction& session, UserRecord& user);
// Writes every data field and clerk_updated_at, never deleted_at, unless the stored data is newer
// (checked in the statement itself, so that concurrent writers on PostgreSQL cannot undo a newer
// version). Returns whether it wrote.
bool update_user_data(Transaction& session, const UserRecord& user);
// deleted_at := min(deleted_at, at). Returns true when it changed.
bool soft_delete_user(Transaction& session, const std::string& id, int64_t at);

std::optional<OrganizationRecord> find_organization_by_clerk_id(Transaction& session, const std::string& clerk_id);
std::optional<OrganizationRecord> find_organization(Transaction& session, const std::string& id);
// The live organization that holds the slug (slugs are unique among live organizations).
std::optional<OrganizationRecord> find_live_organization_by_slug(Transaction& session, const std::string& slug);
// By Clerk id when it looks like one ("org_…"), else by internal id: what {id} in a URL accepts.
std::optional<OrganizationRecord> find_organization_by_any_id(Transaction& session, const std::string& id_or_clerk_id);
void insert_organization(Transaction& session, OrganizationRecord& organization);
// As update_user_data: every data field (slug and clerk_slug included), unless the stored data is newer.
bool update_organization_data(Transaction& session, const OrganizationRecord& organization);
// Every organization whose clerk_slug is `clerk_slug`.
std::vector<SlugClaim> find_slug_claims(Transaction& session, const std::string& clerk_slug);
// Clears the organization's effective slug if it is still `slug`; true when it did.
bool release_organization_slug(Transaction& session, const std::string& id, const std::string& slug);
// Sets the organization's effective slug to `slug` if Clerk still gives it that slug; true when it did.
bool grant_organization_slug(Transaction& session, const std::string& id, const std::string& slug);
bool soft_delete_organization(Transaction& session, const std::string& id, int64_t at);

std::optional<MembershipRecord> find_membership_by_clerk_id(Transaction& session, const std::string& clerk_id);
std::optional<MembershipRecord> find_live_membership(Transaction& session, const std::string& organization_id,
                                                     const std::string& user_id);
// Whether the user has, or once had, a membership in the organization (a live or soft-deleted row):
// the proof that Clerk put them there, which an organization's ADMIN needs to add them back.
bool has_membership_row(Transaction& session, const std::string& organization_id, const std::string& user_id);
void insert_membership(Transaction& session, MembershipRecord& membership);
// As update_user_data: role and Clerk fields, unless the stored data is newer.
bool update_membership_data(Transaction& session, const MembershipRecord& membership);
bool soft_delete_membership(Transaction& session, const std::string& id, int64_t at);
// Soft-deletes (min rule) every membership of the organization / user; returns the ids changed.
std::vector<std::string> soft_delete_memberships_of_organization(Transaction& session, const std::string& organization_id,
                                                                 int64_t at);
std::vector<std::string> soft_delete_memberships_of_user(Transaction& session, const std::string& user_id, int64_t at);

// Serialises slug hand-overs between concurrent transactions until this one ends (PostgreSQL: a
// transaction-level advisory lock; SQLite: nothing to do, one writer). Without it two instances
// (or writer connections) could each decide from a snapshot missing the other's uncommitted
// rename or deletion, and neither would grant a slug that in-order delivery grants.
void lock_slug_hand_over(Transaction& session);

// Holds the organization and user rows against a concurrent deletion until the transaction ends,
// so that a membership written now and a deletion's cascade by another instance cannot miss each
// other (PostgreSQL: SELECT … FOR SHARE, in a fixed order; SQLite: nothing to do, one writer).
void lock_membership_parents(Transaction& session, const std::string& organization_id, const std::string& user_id);

// Revokes the organization's API keys at `at` (an earlier revocation stays); returns the ids changed.
std::vector<std::string> revoke_api_keys_of_organization(Transaction& session, const std::string& organization_id,
                                                         int64_t at);
// Ends (revokes) the sessions in the organization's context / of the user at `at` (the earliest
// end wins, as for deletions); returns the ids changed.
std::vector<std::string> end_sessions_of_organization(Transaction& session, const std::string& organization_id, int64_t at);
std::vector<std::string> end_sessions_of_user(Transaction& session, const std::string& user_id, int64_t at);

// ---- Admin API: listings by id (creation order) after a cursor id, and operator edits ----

struct MemberRecord {
  MembershipRecord membership;
  UserRecord user;
};

std::vector<OrganizationRecord> list_organizations(Transaction& session, const std::optional<std::string>& after_id,
                                                   int limit, bool include_deleted);
// Live organizations in which the user has a live membership.
std::vector<OrganizationRecord> list_organizations_of_user(Transaction& session, const std::string& user_id,
                                                           const std::optional<std::string>& after_id, int limit);
// Live memberships of the organization with their users.
std::vector<MemberRecord> list_members(Transaction& session, const std::string& organization_id,
                                       const std::optional<std::string>& after_id, int limit);
std::vector<UserRecord> list_users(Transaction& session, const std::optional<std::string>& after_id, int limit,
                                   bool include_deleted);
// Live users with a live membership in the organization.
std::vector<UserRecord> list_users_of_organization(Transaction& session, const std::string& organization_id,
                                                   const std::optional<std::string>& after_id, int limit);
// name, slug (effective and Clerk's), image_url, metadata of a live organization; false when none.
bool update_organization_fields(Transaction& session, const OrganizationRecord& organization);
// The role of a live membership; false when none.
bool update_membership_role(Transaction& session, const std::string& id, const std::string& role);

}  // namespace mcp::storage
