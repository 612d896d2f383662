#include "domain/clerk_reconcile.h"

#include <chrono>
#include <thread>
#include <unordered_set>

#include "domain/access_changes.h"
#include "domain/clerk_apply.h"
#include "domain/clerk_event.h"
#include "storage/clerk_sync_store.h"
#include "storage/errors.h"
#include "util/time.h"

namespace mcp::domain {

namespace {

using nlohmann::json;
using storage::Transaction;

// Thrown at the end of a dry run's page so that its savepoint is rolled back.
struct DryRunRollback {};

constexpr size_t kMaxReportedErrors = 10;

const ClerkActor& sync_actor() {
  static const ClerkActor actor{"system", "clerk-sync", std::nullopt};
  return actor;
}

// A listed object is what a *.updated webhook would carry about it.
ClerkEvent event_of(ClerkListing listing, const json& object) {
  ClerkEvent event;
  switch (listing) {
    case ClerkListing::Users:
      event.type = "user.updated";
      event.kind = ClerkEventKind::UserUpserted;
      event.user = parse_clerk_user(object);
      break;
    case ClerkListing::Organizations:
      event.type = "organization.updated";
      event.kind = ClerkEventKind::OrganizationUpserted;
      event.organization = parse_clerk_organization(object);
      break;
    case ClerkListing::Memberships:
      event.type = "organizationMembership.updated";
      event.kind = ClerkEventKind::MembershipUpserted;
      event.membership = parse_clerk_membership(object);
      break;
  }
  return event;
}

const std::string& clerk_id_of(const ClerkEvent& event) {
  switch (event.kind) {
    case ClerkEventKind::UserUpserted: return event.user.clerk_id;
    case ClerkEventKind::OrganizationUpserted: return event.organization.clerk_id;
    case ClerkEventKind::MembershipUpserted: return event.membership.clerk_id;
    default: return event.deleted_id;
  }
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : ", ") + word;
  return text;
}

// Rows created here through the admin API (org_local_…, orgmem_local_…) are not Clerk's to prune.
bool is_local_id(const std::string& clerk_id) { return clerk_id.find("_local_") != std::string::npos; }

}  // namespace

const char* listing_name(ClerkListing listing) {
  switch (listing) {
    case ClerkListing::Users: return "users";
    case ClerkListing::Organizations: return "organizations";
    case ClerkListing::Memberships: return "memberships";
  }
  return "";
}

ClerkReconciler::ClerkReconciler(storage::Database& db, RoleMap roles, ClerkDirectory& clerk)
    : db_(db), roles_(std::move(roles)), clerk_(clerk) {}

namespace {

// One object of a page. On PostgreSQL (READ COMMITTED) a webhook on another connection may create
// the same Clerk id between our look-up and our insert: the unique key then refuses ours, and the
// page is rolled back. Its next attempts are `careful`: each object in its own savepoint, so that
// only that object is undone and applied again (it now finds the row and applies as an update);
// retrying the whole page could meet a new such insert on every attempt. The first attempt goes
// without: two round trips an object (SAVEPOINT, RELEASE) that a page without a race never needs.
int apply_object(Transaction& session, bool careful, const std::function<int()>& apply) {
  if (!careful) return apply();
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    try {
      int made = 0;
      session.within_savepoint([&] { made = apply(); });
      return made;
    } catch (const storage::UniqueViolation&) {
      if (attempt == kAttempts) throw;
    }
  }
}

// One page (or one batch of prunes) in one transaction: retried whole when a deadlock broke it or
// a unique key refused an object (from then on carefully, see apply_object).
void write_page(storage::Database& db, bool dry_run, const std::function<void(Transaction&, bool careful)>& fn) {
  constexpr int kAttempts = 5;
  bool careful = false;
  for (int attempt = 1;; ++attempt) {
    try {
      db.write([&](Transaction& session) {
        fn(session, careful);
        if (dry_run) throw DryRunRollback{};
      });
      return;
    } catch (const DryRunRollback&) {
      return;
    } catch (const storage::UniqueViolation&) {
      if (attempt == kAttempts) throw;
      careful = true;
    } catch (const storage::Conflict&) {
      if (attempt == kAttempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    }
  }
}

}  // namespace

ReconcileReport ClerkReconciler::run(const ReconcileOptions& options) {
  ReconcileReport report;
  ReconcileCounts& counts = report.counts;
  const int64_t started_at = util::now_ms();
  // With --prune: every Clerk id listed, by listing (ids only, never the objects).
  std::unordered_set<std::string> seen[3];
  auto note_error = [&](std::string error) {
    if (report.errors.size() < kMaxReportedErrors) report.errors.push_back(std::move(error));
  };

  // Organizations, then users, then memberships: a membership then finds its parents complete.
  for (ClerkListing listing : {ClerkListing::Organizations, ClerkListing::Users, ClerkListing::Memberships}) {
    std::unordered_set<std::string>& seen_ids = seen[static_cast<int>(listing)];
    ReconcileProgress progress;
    progress.phase = listing_name(listing);
    progress.counts = &counts;
    if (listing == ClerkListing::Users) progress.phase_total = clerk_.count_users();
    for (int64_t offset = 0;;) {
      ClerkPage page = clerk_.list(listing, offset, options.page_size);
      if (page.total_count) progress.phase_total = page.total_count;
      std::vector<ClerkEvent> events;
      events.reserve(page.items.size());
      for (size_t item_idx = 0; item_idx < page.items.size(); ++item_idx) {
        const json& item = page.items[item_idx];
        if (options.prune && item.is_object() && item.contains("id") && item["id"].is_string()) {
          seen_ids.insert(item["id"].get<std::string>());
        }
        try {
          events.push_back(event_of(listing, item));
        } catch (const InvalidPayload& e) {
          ++counts.invalid;
          note_error(std::string(listing_name(listing)) + "[" + std::to_string(offset + static_cast<int64_t>(item_idx)) +
                     "]: " + e.what());
        }
      }
      counts.read += static_cast<int64_t>(page.items.size());

      int64_t applied = 0, unchanged = 0, changes = 0;
      std::vector<std::string> lines;
      int64_t now = util::now_ms();
      write_page(db_, options.dry_run, [&](Transaction& session, bool careful) {
        applied = unchanged = changes = 0;  // a retried page counts afresh
        lines.clear();
        for (const ClerkEvent& event : events) {
          std::vector<std::string> actions;
          int made = apply_object(session, careful, [&] {
            actions.clear();
            return apply_clerk_event(session, roles_, sync_actor(), event, now,
                                     options.on_would_change ? &actions : nullptr);
          });
          if (made == 0) {
            ++unchanged;
            continue;
          }
          ++applied;
          changes += made;
          if (options.on_would_change) {
            lines.push_back(std::string(listing_name(listing)) + " " + clerk_id_of(event) + ": " + join(actions));
          }
        }
      });
      if (changes > 0 && !options.dry_run) announce_access_change();
      counts.applied += applied;
      counts.unchanged += unchanged;
      counts.changes += changes;
      for (const auto& line : lines) options.on_would_change(line);

      offset += static_cast<int64_t>(page.items.size());
      progress.phase_done = offset;
      if (options.on_progress) options.on_progress(progress);
      if (static_cast<int>(page.items.size()) < options.page_size) break;
    }
  }

  if (!options.prune) return report;
  if (counts.invalid > 0) {
    note_error("nothing pruned: some objects could not be read, so the listing is not known to be complete");
    return report;
  }

  // Prune: live rows (created here before this run began, so that a webhook's creation during the
  // listing is not mistaken for a deletion) that Clerk did not list and, asked again, does not have.
  ReconcileProgress progress;
  progress.phase = "prune";
  progress.counts = &counts;
  auto prune_batch = [&](const std::vector<ClerkEvent>& deletions, const std::vector<std::string>& memberships) {
    if (deletions.empty() && memberships.empty()) return;
    int64_t changes = 0;
    std::vector<std::string> lines;
    int64_t now = util::now_ms();
    write_page(db_, options.dry_run, [&](Transaction& session, bool careful) {
      changes = 0;
      lines.clear();
      for (const ClerkEvent& event : deletions) {
        std::vector<std::string> actions;
        changes += apply_object(session, careful, [&] {
          actions.clear();
          return apply_clerk_event(session, roles_, sync_actor(), event, now, &actions);
        });
        lines.push_back((event.kind == ClerkEventKind::UserDeleted ? "users " : "organizations ") + event.deleted_id +
                        ": " + join(actions));
      }
      for (const std::string& clerk_id : memberships) {
        std::vector<std::string> actions;
        changes += apply_object(session, careful, [&] {
          actions.clear();
          return delete_clerk_membership(session, roles_, sync_actor(), clerk_id, now, &actions);
        });
        lines.push_back("memberships " + clerk_id + ": " + join(actions));
      }
    });
    counts.pruned += static_cast<int64_t>(deletions.size() + memberships.size());
    counts.changes += changes;
    if (options.on_would_change) {
      for (const auto& line : lines) options.on_would_change("prune " + line);
    }
    if (options.on_progress) options.on_progress(progress);
  };

  constexpr int kPruneBatch = 500;
  // Organizations and users pruned: their memberships go with them (the cascade), so they are not
  // asked about again — and a dry run, whose cascades were rolled back, counts them once too.
  std::unordered_set<std::string> pruned_parents;
  for (ClerkListing listing : {ClerkListing::Organizations, ClerkListing::Users}) {
    const auto& seen_ids = seen[static_cast<int>(listing)];
    for (std::string after;;) {
      auto ids = storage::read_value(db_, [&](Transaction& session) {
        return listing == ClerkListing::Users
                   ? storage::list_live_user_clerk_ids(session, started_at, after, kPruneBatch)
                   : storage::list_live_organization_clerk_ids(session, started_at, after, kPruneBatch);
      });
      std::vector<ClerkEvent> deletions;
      for (const std::string& clerk_id : ids) {
        ++progress.phase_done;
        if (seen_ids.count(clerk_id) || is_local_id(clerk_id)) continue;
        bool exists = listing == ClerkListing::Users ? clerk_.user_exists(clerk_id)
                                                     : clerk_.organization_exists(clerk_id);
        if (exists) continue;
        ClerkEvent event;
        event.kind = listing == ClerkListing::Users ? ClerkEventKind::UserDeleted : ClerkEventKind::OrganizationDeleted;
        event.type = listing == ClerkListing::Users ? "user.deleted" : "organization.deleted";
        event.deleted_id = clerk_id;
        deletions.push_back(std::move(event));
        pruned_parents.insert(clerk_id);
      }
      prune_batch(deletions, {});
      if (static_cast<int>(ids.size()) < kPruneBatch) break;
      after = ids.back();
    }
  }
  const auto& seen_memberships = seen[static_cast<int>(ClerkListing::Memberships)];
  for (std::string after;;) {
    auto rows = storage::read_value(db_, [&](Transaction& session) {
      return storage::list_live_membership_clerk_ids(session, started_at, after, kPruneBatch);
    });
    std::vector<std::string> deletions;
    for (const auto& row : rows) {
      ++progress.phase_done;
      if (seen_memberships.count(row.clerk_id) || is_local_id(row.clerk_id)) continue;
      if (pruned_parents.count(row.organization_clerk_id) || pruned_parents.count(row.user_clerk_id)) continue;
      if (clerk_.membership_exists(row.organization_clerk_id, row.user_clerk_id, row.clerk_id)) continue;
      deletions.push_back(row.clerk_id);
    }
    prune_batch({}, deletions);
    if (static_cast<int>(rows.size()) < kPruneBatch) break;
    after = rows.back().clerk_id;
  }
  return report;
}

}  // namespace mcp::domain
