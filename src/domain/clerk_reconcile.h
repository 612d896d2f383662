#pragma once
// `clerk sync` (README "Already have users?"): reads users, organizations and memberships from Clerk's Backend
// API page by page and applies each object through the webhooks' rules (clerk_apply.h) as the
// actor system/clerk-sync; `--prune` soft-deletes what Clerk no longer has. Pages are streamed:
// only one page is held at a time (and, with --prune, the set of Clerk ids seen).
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/role_map.h"
#include "storage/database.h"

namespace mcp::domain {

enum class ClerkListing { Users, Organizations, Memberships };

const char* listing_name(ClerkListing listing);  // "users", "organizations", "memberships"

struct ClerkPage {
  std::vector<nlohmann::json> items;
  std::optional<int64_t> total_count;  // when the listing says (organizations, memberships)
};

// Clerk's Backend API failed for good (after the client's retries). `unauthorized`: the secret key
// was refused (401/403), which no retry will fix. The message never holds the key.
class ClerkApiError : public std::runtime_error {
 public:
  ClerkApiError(const std::string& message, bool unauthorized)
      : std::runtime_error(message), unauthorized_(unauthorized) {}
  bool unauthorized() const { return unauthorized_; }

 private:
  bool unauthorized_;
};

// Clerk's Backend API as the reconciliation reads it (src/clients implements it over HTTP). Every
// call throws ClerkApiError when it cannot answer.
class ClerkDirectory {
 public:
  virtual ~ClerkDirectory() = default;
  // One page of a listing: `limit` objects from `offset`, oldest first.
  virtual ClerkPage list(ClerkListing listing, int64_t offset, int limit) = 0;
  // How many users there are (GET /v1/users/count), for the progress' ETA; nullopt when unknown.
  virtual std::optional<int64_t> count_users() = 0;
  // Whether Clerk still has it; asked for each row --prune would delete, because an object deleted
  // in Clerk while the listing was read shifts the offsets and can hide a live one.
  virtual bool user_exists(const std::string& user_id) = 0;
  virtual bool organization_exists(const std::string& organization_id) = 0;
  virtual bool membership_exists(const std::string& organization_id, const std::string& user_id,
                                 const std::string& membership_id) = 0;
};

struct ReconcileCounts {
  int64_t read = 0;       // objects read from Clerk
  int64_t applied = 0;    // objects that changed something here
  int64_t unchanged = 0;  // objects whose state was already here (or older than ours)
  int64_t pruned = 0;     // rows deleted because Clerk no longer has them
  int64_t invalid = 0;    // objects that could not be read (missing fields)
  int64_t changes = 0;    // rows changed (= audit rows written; a dry run: that would be)
};

struct ReconcileProgress {
  const char* phase = "";          // users, organizations, memberships, prune
  int64_t phase_done = 0;          // objects of this phase handled
  std::optional<int64_t> phase_total;
  const ReconcileCounts* counts = nullptr;
};

struct ReconcileOptions {
  bool dry_run = false;  // apply each page in a transaction that is rolled back
  bool prune = false;
  int page_size = 500;
  std::function<void(const ReconcileProgress&)> on_progress;  // after each page
  // A dry run: one line per object that would change ("user user_2x…: user.updated").
  std::function<void(const std::string&)> on_would_change;
};

struct ReconcileReport {
  ReconcileCounts counts;
  std::vector<std::string> errors;  // what failed (at most a few, each safe to print)
  bool ok() const { return errors.empty(); }
};

class ClerkReconciler {
 public:
  ClerkReconciler(storage::Database& db, RoleMap roles, ClerkDirectory& clerk);

  // Runs one reconciliation. Throws ClerkApiError when Clerk cannot be read (nothing is pruned
  // then) and storage errors when the database fails; pages applied before that stay applied
  // (each page is one transaction, so no object is half-applied).
  ReconcileReport run(const ReconcileOptions& options);

 private:
  storage::Database& db_;
  RoleMap roles_;
  ClerkDirectory& clerk_;
};

}  // namespace mcp::domain
