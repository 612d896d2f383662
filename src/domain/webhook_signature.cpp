#include "domain/webhook_signature.h"

#include <stdexcept>
#include <utility>

#include "util/crypto.h"

namespace mcp::domain {

namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::string_view kSignatureVersion = "v1";
// 18 decimal digits always fit in int64_t; real timestamps have 10.
constexpr size_t kMaxTimestampDigits = 18;

// Seconds since the epoch from ASCII digits only: no sign, no spaces, no fraction, no exponent.
std::optional<int64_t> parse_timestamp(std::string_view text) {
  if (text.empty() || text.size() > kMaxTimestampDigits) return std::nullopt;
  int64_t value = 0;
  for (char digit : text) {
    if (digit < '0' || digit > '9') return std::nullopt;
    value = value * 10 + (digit - '0');
  }
  return value;
}

// The base64 texts of the header's `v1,` entries. Entries are separated by single spaces as Svix
// sends them (empty ones from doubled spaces are skipped); the version is what precedes the first
// comma, and everything after it is the signature, so "v1,abc,def" never equals a real signature.
std::vector<std::string_view> v1_signatures(std::string_view header) {
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    size_t space_idx = header.find(' ');
    std::string_view entry = header.substr(0, space_idx);
    header = space_idx == std::string_view::npos ? std::string_view() : header.substr(space_idx + 1);
    size_t comma_idx = entry.find(',');
    if (comma_idx == std::string_view::npos || entry.substr(0, comma_idx) != kSignatureVersion) continue;
    signatures.push_back(entry.substr(comma_idx + 1));
  }
  return signatures;
}

}  // namespace

const char* describe(SignatureFailure failure) {
  switch (failure) {
    case SignatureFailure::MissingHeaders:
      return "missing webhook signature headers (svix-id, svix-timestamp, svix-signature)";
    case SignatureFailure::MalformedTimestamp:
      return "webhook timestamp header is not an integer number of seconds";
    case SignatureFailure::TimestampTooOld:
      return "webhook timestamp is more than 5 minutes old";
    case SignatureFailure::TimestampTooNew:
      return "webhook timestamp is more than 5 minutes in the future";
    case SignatureFailure::NoSupportedSignature:
      return "webhook signature header has no v1 signature";
    case SignatureFailure::NoValidSignature:
      return "no webhook signature matches a configured signing secret";
  }
  return "webhook signature verification failed";
}

WebhookVerifier::WebhookVerifier(const std::vector<std::string>& secrets) {
  if (secrets.empty()) {
    throw std::invalid_argument("no webhook signing secret configured: set the Clerk endpoint's whsec_ secret");
  }
  keys_.reserve(secrets.size());
  for (size_t secret_idx = 0; secret_idx < secrets.size(); ++secret_idx) {
    std::string_view encoded = secrets[secret_idx];
    if (encoded.starts_with(kSecretPrefix)) encoded.remove_prefix(kSecretPrefix.size());
    // The message names the secret by position only: it ends up in logs.
    const std::string which = "webhook signing secret #" + std::to_string(secret_idx + 1) + " of " +
                              std::to_string(secrets.size());
    std::optional<std::string> key = util::base64_decode(encoded);
    if (!key) {
      throw std::invalid_argument(which + " is not base64 after its whsec_ prefix (stray quotes or spaces?): "
                                          "copy it again from the Clerk dashboard");
    }
    if (key->empty()) {
      throw std::invalid_argument(which + " is empty: copy it from the Clerk dashboard");
    }
    keys_.push_back(std::move(*key));
  }
}

std::optional<SignatureFailure> WebhookVerifier::verify(const WebhookHeaders& headers, std::string_view raw_body,
                                                        int64_t now_seconds) const {
  if (headers.id.empty() || headers.timestamp.empty() || headers.signature.empty()) {
    return SignatureFailure::MissingHeaders;
  }
  std::optional<int64_t> timestamp = parse_timestamp(headers.timestamp);
  if (!timestamp) return SignatureFailure::MalformedTimestamp;
  if (now_seconds - *timestamp > kWebhookToleranceSeconds) return SignatureFailure::TimestampTooOld;
  if (*timestamp - now_seconds > kWebhookToleranceSeconds) return SignatureFailure::TimestampTooNew;

  std::vector<std::string_view> candidates = v1_signatures(headers.signature);
  if (candidates.empty()) return SignatureFailure::NoSupportedSignature;

  // Signed content as the svix libraries build it: the timestamp re-formatted from its integer
  // value (identical to the header for any sender that does not pad with zeros). Built once, then
  // one HMAC per secret; each candidate is compared with the expected base64 text in constant
  // time, as svix does (it compares the base64 strings, not the decoded bytes).
  const std::string timestamp_text = std::to_string(*timestamp);
  std::string signed_content;
  signed_content.reserve(headers.id.size() + timestamp_text.size() + raw_body.size() + 2);
  signed_content.append(headers.id).append(1, '.').append(timestamp_text).append(1, '.').append(raw_body);

  for (const std::string& key : keys_) {
    const std::string expected = util::base64_encode(util::hmac_sha256(key, signed_content));
    for (std::string_view candidate : candidates) {
      if (util::constant_time_equals(candidate, expected)) return std::nullopt;
    }
  }
  return SignatureFailure::NoValidSignature;
}

}  // namespace mcp::domain
