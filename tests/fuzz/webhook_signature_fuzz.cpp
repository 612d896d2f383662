// Svix / Standard Webhooks verification (src/domain/webhook_signature.*) on hostile headers and
// bodies. Input: id \n--\n timestamp \n--\n signature header \n--\n body.
// Properties: verify() never crashes; the same delivery signed correctly (HMAC of the fuzzed id,
// a fresh timestamp and the fuzzed body) always verifies, also beside garbage signature entries;
// a verified body goes on to the Clerk parser as in the server.
#include <cstdint>
#include <string>

#include "domain/clerk_event.h"
#include "domain/webhook_signature.h"
#include "fuzz_input.h"
#include "util/crypto.h"

namespace {

constexpr const char* kSecret = "whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32";  // tests/interop/clerk_payloads.mjs
constexpr int64_t kNow = 1716883200;

const mcp::domain::WebhookVerifier& verifier() {
  static const mcp::domain::WebhookVerifier instance({kSecret, "whsec_EtcQX+83SueZ0YTTgco/y3326aCJ+k5E"});
  return instance;
}

std::string correct_signature(std::string_view id, std::string_view timestamp, std::string_view body) {
  static const std::string key = *mcp::util::base64_decode(std::string_view(kSecret).substr(6));
  std::string signed_content = std::string(id) + "." + std::string(timestamp) + "." + std::string(body);
  return "v1," + mcp::util::base64_encode(mcp::util::hmac_sha256(key, signed_content));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mcp::fuzz::FieldReader input(data, size);
  mcp::domain::WebhookHeaders headers;
  headers.id = std::string(input.field());
  headers.timestamp = std::string(input.field());
  headers.signature = std::string(input.field());
  std::string_view body = input.rest();

  auto failure = verifier().verify(headers, body, kNow);
  if (failure) (void)mcp::domain::describe(*failure);

  if (!headers.id.empty()) {
    mcp::domain::WebhookHeaders good = headers;
    good.timestamp = std::to_string(kNow);
    good.signature = headers.signature + " " + correct_signature(good.id, good.timestamp, body);
    if (verifier().verify(good, body, kNow)) mcp::fuzz::property_failed("a correctly signed delivery was refused");
  }
  if (!failure) {
    try {
      (void)mcp::domain::parse_clerk_event(body);
    } catch (const mcp::domain::InvalidPayload&) {
      (void)mcp::domain::peek_event_type(body);
    }
  }
  return 0;
}
