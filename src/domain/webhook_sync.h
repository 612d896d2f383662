#pragma once
// The Clerk webhook sync (README "What the sync does, in plain words"): records every verified
// delivery in the inbox and applies the nine events through the storage seam so that duplicates,
// retries and any delivery order end in the state in-order delivery gives.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "domain/role_map.h"
#include "storage/database.h"

namespace mcp::domain {

struct Delivery {
  std::string svix_id;
  std::string_view body;
  int64_t signed_at_ms = 0;  // the svix-timestamp, used when the envelope has no timestamp
  std::optional<std::string> request_id;
};

enum class DeliveryOutcome {
  Applied,    // changes made (or none needed: stale) and committed
  Duplicate,  // this svix-id was processed before: nothing changed
  Ignored,    // not one of the nine events: kept in the inbox, not applied
  Invalid,    // malformed JSON or a required field missing: kept in the inbox as failed
  Failed,     // applying failed (not storage availability): kept as failed, for replay
};

struct DeliveryResult {
  DeliveryOutcome outcome = DeliveryOutcome::Applied;
  std::string type;
  std::string error;  // Invalid / Failed: safe to send and log (never the payload)
  int changes = 0;    // rows changed
};

class WebhookSync {
 public:
  WebhookSync(storage::Database& db, RoleMap roles);

  // Records and applies one verified delivery; returns once it is durably committed. Throws
  // storage::Unavailable (and other storage errors) when it could not be stored: answer 5xx.
  DeliveryResult deliver(const Delivery& delivery);

  // Re-applies stored deliveries through the same code path: every failed one, or one by svix-id.
  // Returns how many were applied (processed or ignored) now.
  // One replayed delivery: which, why it was kept as failed, and what replaying did.
  struct ReplayedDelivery {
    std::string svix_id;
    std::string type;
    std::string previous_error;  // the reason stored when it failed (empty when it had not)
    bool applied = false;
    std::string error;  // when it failed again
  };
  struct ReplayReport {
    std::vector<ReplayedDelivery> deliveries;
    int replayed = 0;
    int applied = 0;
    int still_failed = 0;
    bool found = true;  // --id: whether that svix-id is in the inbox
  };
  ReplayReport replay_failed();
  ReplayReport replay_one(const std::string& svix_id);

 private:
  DeliveryResult apply_delivery(const Delivery& delivery, bool replaying);
  void write_retrying_conflicts(const std::function<void(storage::Transaction&)>& fn);

  storage::Database& db_;
  RoleMap roles_;
};

}  // namespace mcp::domain
