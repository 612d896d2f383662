// POST /api/webhooks/clerk: verify the Svix signature on the raw bytes, then hand the delivery to
// the sync, and answer 2xx only once it is durably committed.
#include "app/app.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/errors.h"
#include "util/log.h"
#include "util/time.h"

namespace mcp::http {

namespace {

// svix-* or the Standard Webhooks webhook-* names; header names match case-insensitively.
std::string header_either(const Request& req, const char* svix_name, const char* standard_name) {
  std::string value = req.get_header_value(svix_name);
  return value.empty() ? req.get_header_value(standard_name) : value;
}

const char* outcome_name(domain::DeliveryOutcome outcome) {
  switch (outcome) {
    case domain::DeliveryOutcome::Applied: return "applied";
    case domain::DeliveryOutcome::Duplicate: return "duplicate";
    case domain::DeliveryOutcome::Ignored: return "ignored";
    case domain::DeliveryOutcome::Invalid: return "invalid";
    case domain::DeliveryOutcome::Failed: return "failed";
  }
  return "unknown";
}

}  // namespace

void add_webhook_routes(Router& router, app::App& app) {
  router.add("POST", "/api/webhooks/clerk", "Clerk webhook (Svix-signed): sync users, organizations, memberships",
             [&app](RequestContext& ctx) {
               const Request& req = ctx.req;
               std::string request_id = ctx.res.get_header_value("X-Request-Id");
               const domain::WebhookVerifier* verifier = app.webhook_verifier();
               if (!verifier) {
                 record_webhook_outcome("unavailable");
                 send_problem(ctx.res, 503,
                              "CLERK_WEBHOOK_SECRET is not set: copy the endpoint's signing secret (whsec_…) from "
                              "Clerk's Webhooks page into .env.local and restart mcp-admin.");
                 return;
               }
               domain::WebhookHeaders headers{header_either(req, "svix-id", "webhook-id"),
                                              header_either(req, "svix-timestamp", "webhook-timestamp"),
                                              header_either(req, "svix-signature", "webhook-signature")};
               int64_t now_ms = util::now_ms();
               if (auto failure = verifier->verify(headers, req.body, now_ms / 1000)) {
                 bool malformed = *failure == domain::SignatureFailure::MissingHeaders ||
                                  *failure == domain::SignatureFailure::MalformedTimestamp;
                 util::log_warn("webhook rejected", {{"reason", domain::describe(*failure)},
                                                     {"svix_id", headers.id.substr(0, 64)},
                                                     {"request_id", request_id},
                                                     {"bytes", req.body.size()}});
                 record_webhook_outcome("rejected");
                 send_problem(ctx.res, malformed ? 400 : 401, domain::describe(*failure));
                 return;
               }
               domain::Delivery delivery{headers.id, req.body, std::stoll(headers.timestamp) * 1000, request_id};
               domain::DeliveryResult result;
               try {
                 result = app.webhook_sync().deliver(delivery);
               } catch (const storage::StorageError& e) {
                 util::log_error("webhook not stored", {{"svix_id", headers.id}, {"request_id", request_id},
                                                        {"error", e.what()}});
                 record_webhook_outcome("unavailable");
                 send_problem(ctx.res, 503, "The delivery could not be stored; it was not applied. Retry later.");
                 return;
               }
               util::log(result.outcome == domain::DeliveryOutcome::Invalid ||
                                 result.outcome == domain::DeliveryOutcome::Failed
                             ? util::LogLevel::Warn
                             : util::LogLevel::Debug,
                         "webhook", {{"svix_id", headers.id}, {"type", result.type},
                                     {"outcome", outcome_name(result.outcome)}, {"changes", result.changes},
                                     {"request_id", request_id}});
               record_webhook_outcome(outcome_name(result.outcome));
               if (result.outcome == domain::DeliveryOutcome::Invalid) {
                 send_problem(ctx.res, 400, "The payload was kept but not applied: " + result.error);
                 return;
               }
               if (result.outcome == domain::DeliveryOutcome::Failed) {
                 send_problem(ctx.res, 500,
                              "The delivery was kept but could not be applied; it will be retried (or replay it "
                              "with `mcp-admin webhooks replay --failed`).");
                 return;
               }
               nlohmann::ordered_json body = {{"ok", true},
                                              {"outcome", outcome_name(result.outcome)},
                                              {"type", result.type},
                                              {"svix_id", headers.id}};
               ctx.res.set_content(body.dump(), "application/json");
             },
             RouteDoc{.tag = "webhooks",
                      .request_schema = {{"type", "object"},
                                         {"description", "A Clerk event, signed by Svix (svix-id, svix-timestamp, "
                                                         "svix-signature headers)"}},
                      .response_schema = {{"type", "object"},
                                          {"properties", {{"ok", {{"type", "boolean"}}},
                                                          {"outcome", {{"enum", {"applied", "duplicate", "ignored"}}}},
                                                          {"type", {{"type", "string"}}},
                                                          {"svix_id", {{"type", "string"}}}}}},
                      .error_statuses = {401, 503}});
}

}  // namespace mcp::http
