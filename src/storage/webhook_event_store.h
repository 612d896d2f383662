#pragma once
// webhook_events: the inbox. Every delivery that passed signature verification is kept here with
// its type, raw payload, status (received | processed | ignored | failed) and error.
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace mcp::storage {

struct WebhookEventRecord {
  std::string id;
  std::string svix_id;
  std::optional<std::string> type;
  std::string payload;
  int64_t received_at = 0;
  std::optional<int64_t> processed_at;
  std::string status;
  std::optional<std::string> error;
};

std::optional<WebhookEventRecord> find_webhook_event(Transaction& session, const std::string& svix_id);

struct WebhookEventStatus {
  std::string status;
  int64_t received_at = 0;
};

// The status of a delivery already in the inbox, without its payload (the per-delivery check).
std::optional<WebhookEventStatus> find_webhook_event_status(Transaction& session, const std::string& svix_id);

// Inserts the delivery, or updates the row with the same svix_id (type, payload, status, error,
// processed_at; received_at stays the first delivery's).
void upsert_webhook_event(Transaction& session, const WebhookEventRecord& event);

// Inserts the delivery (with the status it will have once applied) unless its svix_id is there;
// true when it inserted. First in a
// delivery's transaction: on PostgreSQL a second instance handling the same svix-id waits here for
// the first to commit, then finds the row (and the delivery a duplicate).
bool claim_webhook_event(Transaction& session, const WebhookEventRecord& event);

// Records a delivery as failed with its error, unless its svix_id is already processed or ignored
// (another instance may have applied it meanwhile: a failure never downgrades a done delivery).
void record_failed_webhook_event(Transaction& session, const WebhookEventRecord& event);

// The failed deliveries, oldest first.
std::vector<WebhookEventRecord> list_failed_webhook_events(Transaction& session);

}  // namespace mcp::storage
