#include "domain/webhook_sync.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "domain/access_changes.h"
#include "domain/clerk_apply.h"
#include "domain/clerk_event.h"
#include "storage/errors.h"
#include "storage/webhook_event_store.h"
#include "util/log.h"
#include "util/time.h"

namespace mcp::domain {

namespace {

using storage::Transaction;

bool is_done(const std::optional<storage::WebhookEventStatus>& record) {
  return record && (record->status == "processed" || record->status == "ignored");
}

}  // namespace

WebhookSync::WebhookSync(storage::Database& db, RoleMap roles) : db_(db), roles_(std::move(roles)) {}

DeliveryResult WebhookSync::deliver(const Delivery& delivery) { return apply_delivery(delivery, false); }

// Runs a write, again when a unique key refused it or a deadlock broke it: with several instances
// on one PostgreSQL, two may create the same Clerk id at once (the loser's retry finds the row and
// applies as an update), or lock the same rows in opposite orders.
void WebhookSync::write_retrying_conflicts(const std::function<void(storage::Transaction&)>& fn) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    try {
      db_.write(fn);
      return;
    } catch (const storage::UniqueViolation&) {
      if (attempt == kAttempts) throw;
    } catch (const storage::Conflict&) {
      // A deadlock with another instance's transaction: ours was rolled back whole; wait a moment
      // (longer each time) and run it again.
      if (attempt == kAttempts) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
    }
  }
}

DeliveryResult WebhookSync::apply_delivery(const Delivery& delivery, bool replaying) {
  DeliveryResult result;
  ClerkEvent event;
  storage::WebhookEventRecord record;
  record.svix_id = delivery.svix_id;
  record.payload = std::string(delivery.body);
  record.received_at = util::now_ms();
  try {
    event = parse_clerk_event(delivery.body);
  } catch (const InvalidPayload& e) {
    result.outcome = DeliveryOutcome::Invalid;
    result.error = e.what();
    result.type = peek_event_type(delivery.body).value_or("");
    bool duplicate = storage::write_value(db_, [&](Transaction& session) {
      auto existing = storage::find_webhook_event_status(session, delivery.svix_id);
      if (is_done(existing)) return true;
      record.type = peek_event_type(delivery.body);
      record.error = result.error;
      storage::record_failed_webhook_event(session, record);
      return false;
    });
    if (duplicate) result.outcome = DeliveryOutcome::Duplicate;
    return result;
  }
  result.type = event.type;
  record.type = event.type;

  try {
    write_retrying_conflicts([&](Transaction& session) {
      // The row is written with its final status up front: if applying fails, the savepoint takes
      // the row back with the changes, so it never says processed for something not applied.
      record.status = event.kind == ClerkEventKind::Other ? "ignored" : "processed";
      record.processed_at = util::now_ms();
      record.error = std::nullopt;
      // Claim the svix-id first: a concurrent delivery of the same id (another instance on the
      // same PostgreSQL) waits here until this transaction ends, then sees it done.
      bool claimed = storage::claim_webhook_event(session, record);
      if (!claimed) {
        auto existing = storage::find_webhook_event_status(session, delivery.svix_id);
        if (!replaying && is_done(existing)) {
          result.outcome = DeliveryOutcome::Duplicate;
          return;
        }
        if (existing) record.received_at = existing->received_at;
      }
      ClerkActor actor{"webhook", delivery.svix_id, delivery.request_id};
      result.changes = apply_clerk_event(session, roles_, actor, event, delivery.signed_at_ms);
      result.outcome = event.kind == ClerkEventKind::Other ? DeliveryOutcome::Ignored : DeliveryOutcome::Applied;
      if (!claimed) storage::upsert_webhook_event(session, record);  // a failed or replayed one, now done
    });
    if (result.outcome == DeliveryOutcome::Applied && result.changes > 0) announce_access_change();
  } catch (const storage::Unavailable&) {
    throw;  // nothing was stored: the caller answers 5xx and Svix retries
  } catch (const storage::Conflict&) {
    throw;  // deadlocked with another instance on every attempt: 5xx, and Svix retries later
  } catch (const std::exception& e) {
    // Applying failed for another reason (a constraint we did not expect, a bug): its changes were
    // rolled back; keep the delivery as failed so that `webhooks replay --failed` can retry it.
    result.outcome = DeliveryOutcome::Failed;
    result.error = e.what();
    util::log_error("webhook delivery failed to apply", {{"svix_id", delivery.svix_id}, {"type", event.type},
                                                         {"error", result.error}});
    db_.write([&](Transaction& session) {
      record.error = result.error;
      storage::record_failed_webhook_event(session, record);
    });
  }
  return result;
}

WebhookSync::ReplayReport WebhookSync::replay_failed() {
  auto failed = storage::read_value(db_, [](Transaction& session) { return storage::list_failed_webhook_events(session); });
  ReplayReport report;
  for (const auto& record : failed) {
    Delivery delivery{record.svix_id, record.payload, record.received_at, std::nullopt};
    DeliveryResult result = apply_delivery(delivery, true);
    ++report.replayed;
    bool applied = result.outcome == DeliveryOutcome::Applied || result.outcome == DeliveryOutcome::Ignored;
    if (applied) ++report.applied;
    else ++report.still_failed;
    report.deliveries.push_back({record.svix_id, record.type.value_or(result.type), record.error.value_or(""), applied,
                                 applied ? std::string() : result.error});
  }
  return report;
}

WebhookSync::ReplayReport WebhookSync::replay_one(const std::string& svix_id) {
  auto record = storage::read_value(db_, [&](Transaction& session) { return storage::find_webhook_event(session, svix_id); });
  ReplayReport report;
  if (!record) {
    report.found = false;
    return report;
  }
  Delivery delivery{record->svix_id, record->payload, record->received_at, std::nullopt};
  DeliveryResult result = apply_delivery(delivery, true);
  report.replayed = 1;
  bool applied = result.outcome == DeliveryOutcome::Applied || result.outcome == DeliveryOutcome::Ignored;
  if (applied) report.applied = 1;
  else report.still_failed = 1;
  report.deliveries.push_back({record->svix_id, record->type.value_or(result.type), record->error.value_or(""), applied,
                               applied ? std::string() : result.error});
  return report;
}

}  // namespace mcp::domain
