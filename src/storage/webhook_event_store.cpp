#include "storage/webhook_event_store.h"

#include "storage/column_lists.h"
#include "util/ids.h"
#include "util/time.h"

namespace mcp::storage {

namespace {
// The columns a WebhookEventRecord holds, listed once (storage/column_lists.h).
#define MCP_WEBHOOK_EVENT_COLUMNS(F, N, a)                                                             \
  F(a, id) N(a, svix_id) N(a, type) N(a, payload) N(a, received_at) N(a, processed_at) N(a, status)   \
  N(a, error)
namespace event_column {
enum : size_t { MCP_WEBHOOK_EVENT_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}
#define MCP_WEBHOOK_EVENTS "SELECT " MCP_COLUMN_NAMES(MCP_WEBHOOK_EVENT_COLUMNS) " FROM webhook_events "

constexpr Query kFindWebhookEvent{"find_webhook_event", MCP_WEBHOOK_EVENTS "WHERE svix_id = $1"};
// On every delivery's path: no payload.
constexpr Query kFindWebhookEventStatus{"find_webhook_event_status",
                                        "SELECT status, received_at FROM webhook_events WHERE svix_id = $1"};
constexpr Query kUpsertWebhookEvent{
    "upsert_webhook_event",
    "INSERT INTO webhook_events (id, svix_id, type, payload, received_at, processed_at, status, error, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) "
    "ON CONFLICT (svix_id) DO UPDATE SET type = excluded.type, payload = excluded.payload, "
    "processed_at = excluded.processed_at, status = excluded.status, error = excluded.error, "
    "updated_at = excluded.updated_at"};
constexpr Query kRecordFailedWebhookEvent{
    "record_failed_webhook_event",
    "INSERT INTO webhook_events (id, svix_id, type, payload, received_at, processed_at, status, error, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, NULL, 'failed', $6, $7, $7) "
    "ON CONFLICT (svix_id) DO UPDATE SET type = excluded.type, payload = excluded.payload, status = 'failed', "
    "error = excluded.error, processed_at = NULL, updated_at = excluded.updated_at "
    "WHERE webhook_events.status NOT IN ('processed', 'ignored')"};
constexpr Query kClaimWebhookEvent{
    "claim_webhook_event",
    "INSERT INTO webhook_events (id, svix_id, type, payload, received_at, processed_at, status, error, created_at, "
    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $5, $5) ON CONFLICT (svix_id) DO NOTHING RETURNING id"};
constexpr Query kListFailedWebhookEvents{"list_failed_webhook_events",
                                         MCP_WEBHOOK_EVENTS "WHERE status = 'failed' ORDER BY received_at"};
#undef MCP_WEBHOOK_EVENTS
#undef MCP_WEBHOOK_EVENT_COLUMNS

WebhookEventRecord event_from(const Row& row) {
  namespace c = event_column;
  WebhookEventRecord event;
  event.id = row.text(c::id);
  event.svix_id = row.text(c::svix_id);
  event.type = row.opt_text(c::type);
  event.payload = row.text(c::payload);
  event.received_at = row.int64(c::received_at);
  event.processed_at = row.opt_int64(c::processed_at);
  event.status = row.text(c::status);
  event.error = row.opt_text(c::error);
  return event;
}
}  // namespace

std::optional<WebhookEventRecord> find_webhook_event(Transaction& session, const std::string& svix_id) {
  Value params[] = {svix_id};
  Rows rows = session.query(kFindWebhookEvent, params);
  if (rows.empty()) return std::nullopt;
  return event_from(rows.front());
}

std::optional<WebhookEventStatus> find_webhook_event_status(Transaction& session, const std::string& svix_id) {
  Value params[] = {svix_id};
  Rows rows = session.query(kFindWebhookEventStatus, params);
  if (rows.empty()) return std::nullopt;
  return WebhookEventStatus{rows.front().text(0), rows.front().int64(1)};
}

void upsert_webhook_event(Transaction& session, const WebhookEventRecord& event) {
  Value params[] = {util::new_uuid_v7(),  event.svix_id,    opt(event.type), event.payload, event.received_at,
                    opt(event.processed_at), event.status, opt(event.error), util::now_ms()};
  session.execute(kUpsertWebhookEvent, params);
}

void record_failed_webhook_event(Transaction& session, const WebhookEventRecord& event) {
  Value params[] = {util::new_uuid_v7(), event.svix_id,    opt(event.type), event.payload,
                    event.received_at,   opt(event.error), util::now_ms()};
  session.execute(kRecordFailedWebhookEvent, params);
}

bool claim_webhook_event(Transaction& session, const WebhookEventRecord& event) {
  Value params[] = {util::new_uuid_v7(), event.svix_id,         opt(event.type), event.payload,
                    event.received_at,   opt(event.processed_at), event.status,    opt(event.error)};
  return !session.query(kClaimWebhookEvent, params).empty();
}

std::vector<WebhookEventRecord> list_failed_webhook_events(Transaction& session) {
  std::vector<WebhookEventRecord> events;
  for (const Row& row : session.query(kListFailedWebhookEvents)) events.push_back(event_from(row));
  return events;
}

}  // namespace mcp::storage
