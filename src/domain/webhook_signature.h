#pragma once
// Verification of Svix / Standard Webhooks signatures on incoming Clerk webhooks
// (README "What the sync does, in plain words"). Pure: no HTTP, no storage, no clock. The HTTP layer
// extracts the three headers and the raw body bytes and passes the current time; this decides whether
// the delivery is authentic and fresh.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::domain {

// The three signature headers, as received: `svix-id`, `svix-timestamp`, `svix-signature` or their
// Standard Webhooks names `webhook-*` (the HTTP layer matches either, case-insensitively).
// An absent header is an empty string.
struct WebhookHeaders {
  std::string id;
  std::string timestamp;
  std::string signature;
};

// Why a delivery was refused. Every value is safe to log and to answer with.
enum class SignatureFailure {
  MissingHeaders,         // id, timestamp or signature header absent or empty
  MalformedTimestamp,     // the timestamp is not a non-negative integer number of seconds
  TimestampTooOld,        // more than kWebhookToleranceSeconds before now
  TimestampTooNew,        // more than kWebhookToleranceSeconds after now
  NoSupportedSignature,   // the signature header has no `v1,` entry (e.g. only `v1a,` ones)
  NoValidSignature,       // `v1,` entries present, but none is the HMAC of any configured secret
};

// How far a delivery's timestamp may be from now, either way, before it is refused (replay window).
inline constexpr int64_t kWebhookToleranceSeconds = 5 * 60;

// A short fixed text for logs and error bodies; never contains a body, secret or signature.
const char* describe(SignatureFailure failure);

// Checks deliveries against one or more signing secrets (several while a secret is being rotated).
// Immutable after construction, so one instance may be shared by every request thread.
class WebhookVerifier {
 public:
  // Each secret is "whsec_<base64 key>" as Clerk shows it, or the bare base64 key (the svix
  // libraries accept both). Throws std::invalid_argument when the list is empty or a secret is
  // empty or not base64; the message names the secret by position, never by value.
  explicit WebhookVerifier(const std::vector<std::string>& secrets);

  // nullopt when the delivery is authentic and fresh, otherwise why not. `raw_body` must be the
  // bytes exactly as received; `now_seconds` is the current Unix time in seconds.
  std::optional<SignatureFailure> verify(const WebhookHeaders& headers, std::string_view raw_body,
                                         int64_t now_seconds) const;

  // How many secrets are configured (for start-up logs: never the secrets themselves).
  size_t secret_count() const { return keys_.size(); }

 private:
  std::vector<std::string> keys_;  // decoded HMAC keys, in configuration order
};

}  // namespace mcp::domain
