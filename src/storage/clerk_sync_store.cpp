#include "storage/clerk_sync_store.h"

namespace mcp::storage {

namespace {

constexpr Query kListLiveUserClerkIds{
    "list_live_user_clerk_ids",
    "SELECT clerk_id FROM users WHERE deleted_at IS NULL AND created_at < $1 AND clerk_id > $2 "
    "ORDER BY clerk_id LIMIT $3"};
constexpr Query kListLiveOrganizationClerkIds{
    "list_live_organization_clerk_ids",
    "SELECT clerk_id FROM organizations WHERE deleted_at IS NULL AND created_at < $1 AND clerk_id > $2 "
    "ORDER BY clerk_id LIMIT $3"};
constexpr Query kListLiveMembershipClerkIds{
    "list_live_membership_clerk_ids",
    "SELECT m.clerk_id, o.clerk_id, u.clerk_id FROM organization_memberships m "
    "JOIN organizations o ON o.id = m.organization_id JOIN users u ON u.id = m.user_id "
    "WHERE m.deleted_at IS NULL AND m.created_at < $1 AND m.clerk_id > $2 ORDER BY m.clerk_id LIMIT $3"};

constexpr Query kEnsureClerkSyncRow{
    "ensure_clerk_sync_row",
    "INSERT INTO clerk_sync_state (id, created_at, updated_at) VALUES ('clerk-sync', $1, $1) ON CONFLICT DO NOTHING"};
constexpr Query kAcquireClerkSyncLease{
    "acquire_clerk_sync_lease",
    "UPDATE clerk_sync_state SET lease_owner = $1, lease_until = $2, updated_at = $3 WHERE id = 'clerk-sync' "
    "AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until IS NULL OR lease_until < $3)"};
constexpr Query kReleaseClerkSyncLease{
    "release_clerk_sync_lease",
    "UPDATE clerk_sync_state SET lease_owner = NULL, lease_until = NULL WHERE id = 'clerk-sync' AND lease_owner = $1"};
constexpr Query kRecordClerkSyncStart{
    "record_clerk_sync_start",
    "UPDATE clerk_sync_state SET last_started_at = $1, updated_at = $1 WHERE id = 'clerk-sync'"};
constexpr Query kRecordClerkSyncFinish{
    "record_clerk_sync_finish",
    "UPDATE clerk_sync_state SET last_finished_at = $1, last_outcome = $2, last_error = $3, last_counts = $4, "
    "updated_at = $1 WHERE id = 'clerk-sync'"};
constexpr Query kReadClerkSyncStatus{
    "read_clerk_sync_status",
    "SELECT last_started_at, last_finished_at, last_outcome, last_error, last_counts FROM clerk_sync_state "
    "WHERE id = 'clerk-sync'"};

std::vector<std::string> first_column(Transaction& session, const Query& query, int64_t created_before,
                                      const std::string& after, int limit) {
  Value params[] = {created_before, after, static_cast<int64_t>(limit)};
  std::vector<std::string> ids;
  for (const Row& row : session.query(query, params)) ids.push_back(row.text(0));
  return ids;
}

}  // namespace

std::vector<std::string> list_live_user_clerk_ids(Transaction& session, int64_t created_before,
                                                  const std::string& after_clerk_id, int limit) {
  return first_column(session, kListLiveUserClerkIds, created_before, after_clerk_id, limit);
}

std::vector<std::string> list_live_organization_clerk_ids(Transaction& session, int64_t created_before,
                                                          const std::string& after_clerk_id, int limit) {
  return first_column(session, kListLiveOrganizationClerkIds, created_before, after_clerk_id, limit);
}

std::vector<LiveMembershipIds> list_live_membership_clerk_ids(Transaction& session, int64_t created_before,
                                                              const std::string& after_clerk_id, int limit) {
  Value params[] = {created_before, after_clerk_id, static_cast<int64_t>(limit)};
  std::vector<LiveMembershipIds> ids;
  for (const Row& row : session.query(kListLiveMembershipClerkIds, params)) {
    ids.push_back({row.text(0), row.text(1), row.text(2)});
  }
  return ids;
}

bool acquire_clerk_sync_lease(Transaction& session, const std::string& owner, int64_t until, int64_t now) {
  Value ensure[] = {now};
  session.execute(kEnsureClerkSyncRow, ensure);
  Value params[] = {owner, until, now};
  return session.execute(kAcquireClerkSyncLease, params) > 0;
}

void release_clerk_sync_lease(Transaction& session, const std::string& owner) {
  Value params[] = {owner};
  session.execute(kReleaseClerkSyncLease, params);
}

void record_clerk_sync_start(Transaction& session, int64_t started_at) {
  Value params[] = {started_at};
  session.execute(kRecordClerkSyncStart, params);
}

void record_clerk_sync_finish(Transaction& session, int64_t finished_at, const std::string& outcome,
                              const std::optional<std::string>& error, const std::string& counts_json) {
  Value params[] = {finished_at, outcome, opt(error), counts_json};
  session.execute(kRecordClerkSyncFinish, params);
}

std::optional<ClerkSyncStatus> read_clerk_sync_status(Transaction& session) {
  Rows rows = session.query(kReadClerkSyncStatus);
  if (rows.empty() || rows.front().is_null(0)) return std::nullopt;
  const Row& row = rows.front();
  ClerkSyncStatus status;
  status.last_started_at = row.opt_int64(0);
  status.last_finished_at = row.opt_int64(1);
  status.last_outcome = row.opt_text(2);
  status.last_error = row.opt_text(3);
  status.last_counts = row.text(4);
  return status;
}

}  // namespace mcp::storage
