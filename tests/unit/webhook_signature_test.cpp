// Webhook signature verification (src/domain/webhook_signature.*): the Svix / Standard Webhooks
// rules, checked against published vectors, vectors signed by the real svix package,
// and the edge cases around them.
#include "domain/webhook_signature.h"

#include <doctest/doctest.h>

#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/crypto.h"

using mcp::domain::describe;
using mcp::domain::kWebhookToleranceSeconds;
using mcp::domain::SignatureFailure;
using mcp::domain::WebhookHeaders;
using mcp::domain::WebhookVerifier;

namespace {

// The Standard Webhooks test vector, copied exactly from the specification's own libraries:
// standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts ("sign function
// works"), the same values in libraries/python/tests/test_webhooks.py (test_sign_function) and
// libraries/go/webhook_test.go (TestWebhookSign). The svix libraries are built on these.
constexpr const char* kPublishedSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kPublishedSecretBare = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kPublishedMsgId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kPublishedTimestamp = 1614265330;
constexpr const char* kPublishedPayload = R"({"test": 2432232314})";
constexpr const char* kPublishedSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
// From the same test files: a well-formed signature that belongs to no message here
// ("multi sig payload is valid"), and the published one with its last base64 digit changed
// (python test_invalid_signature_raises_error).
constexpr const char* kForeignSignatureBase64 = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
constexpr const char* kPublishedSignatureLastDigitChanged = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=";

// A second, unrelated secret (throwaway test key) for rotation and wrong-secret cases.
constexpr const char* kOtherSecret = "whsec_EtcQX+83SueZ0YTTgco/y3326aCJ+k5E";

WebhookHeaders published_headers() {
  return {kPublishedMsgId, std::to_string(kPublishedTimestamp), kPublishedSignature};
}

// Signs like the svix libraries do, for cases the fixed vectors do not cover. The vectors above
// and below are what prove this helper (and so the verifier) right.
std::string sign_v1(std::string_view whsec_secret, std::string_view id, int64_t timestamp, std::string_view body) {
  std::string_view encoded = whsec_secret.substr(std::string_view("whsec_").size());
  std::string key = mcp::util::base64_decode(encoded).value();
  std::string content = std::string(id) + "." + std::to_string(timestamp) + "." + std::string(body);
  return "v1," + mcp::util::base64_encode(mcp::util::hmac_sha256(key, content));
}

// What the verifier says, for CHECK messages: "ok" or the failure's text.
std::string outcome(const std::optional<SignatureFailure>& failure) { return failure ? describe(*failure) : "ok"; }

std::string throw_message(const std::vector<std::string>& secrets) {
  try {
    WebhookVerifier verifier(secrets);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("webhook signature: the Standard Webhooks published vector verifies") {
  const WebhookHeaders headers = published_headers();
  SUBCASE("secret with the whsec_ prefix") {
    WebhookVerifier verifier({kPublishedSecret});
    CHECK(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp) == std::nullopt);
  }
  SUBCASE("bare secret, as the svix libraries also accept") {
    WebhookVerifier verifier({kPublishedSecretBare});
    CHECK(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp) == std::nullopt);
  }
  SUBCASE("the test helper reproduces the published signature") {
    CHECK(sign_v1(kPublishedSecret, kPublishedMsgId, kPublishedTimestamp, kPublishedPayload) == kPublishedSignature);
  }
}

TEST_CASE("webhook signature: the published libraries' negative and multi-signature cases") {
  WebhookVerifier verifier({kPublishedSecret});
  WebhookHeaders headers = published_headers();
  struct Case {
    const char* what;
    std::string signature_header;
    std::optional<SignatureFailure> expected;
  };
  const Case cases[] = {
      {"last base64 digit changed", kPublishedSignatureLastDigitChanged, SignatureFailure::NoValidSignature},
      {"foreign signature", std::string("v1,") + kForeignSignatureBase64, SignatureFailure::NoValidSignature},
      {"not even 32 bytes", "v1,dawfeoifkpqwoekfpqoekf", SignatureFailure::NoValidSignature},
      {"partial: first 8 characters", std::string(kPublishedSignature).substr(0, 8),
       SignatureFailure::NoValidSignature},
      {"partial: version and comma only", "v1,", SignatureFailure::NoValidSignature},
      {"multi: v1 foreign, v2 foreign, valid, v1 foreign",
       std::string("v1,") + kForeignSignatureBase64 + " v2," + kForeignSignatureBase64 + " " + kPublishedSignature +
           " v1," + kForeignSignatureBase64,
       std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    headers.signature = c.signature_header;
    CHECK(outcome(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp)) == outcome(c.expected));
  }
}

// Signed by the real svix npm package: `cd tests/interop && npm ci && node make_svix_vectors.mjs`
// (svix 1.99.1 as pinned in tests/interop/package.json; svix 2.5.0 printed the same signatures).
// Each is `new Webhook(secret).sign(id, new Date(timestamp * 1000), payload)`; the secrets are
// throwaway test keys. Pasted here so the unit tests need no node.
TEST_CASE("webhook signature: vectors signed by the svix npm package verify") {
  struct SvixVector {
    const char* name;
    const char* secret;
    const char* id;
    int64_t timestamp;
    std::string payload;
    const char* signature;
  };
  const SvixVector vectors[] = {
      {"clerk user.created, 24-byte key", "whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32",
       "msg_2g7np9Xq4Pdw0TWo4J1d8mFvZ3K", 1716883200,
       R"({"data":{"id":"user_2g7np7Hrk0SN6kj5rDMLmVsz1nM","object":"user","first_name":"Ada",)"
       R"("last_name":"Lovelace","primary_email_address_id":"idn_2g7np5iR1sZ6VXnVkRJb8TQzJ6b",)"
       R"("email_addresses":[{"id":"idn_2g7np5iR1sZ6VXnVkRJb8TQzJ6b","email_address":"ada@example.com"}],)"
       R"("created_at":1716883200000,"updated_at":1716883200000},"object":"event","type":"user.created",)"
       R"("timestamp":1716883200123,"instance_id":"ins_2g7nOB4KwRYwbmkzBLbNVB7s5JQ"})",
       "v1,hUou/tXzpAiwRPPz97byRXp23cO+HmSoxv+5DFS61uA="},
      // The payload is UTF-8 in this source file, as node encoded it before signing.
      {"non-ASCII UTF-8 body, 32-byte key with padding", "whsec_mpVq7T5Rwpb3VnsoWEbqUQzIvoC+oXg1x/PdQ1U3soA=",
       "msg_utf8", 1716883260, R"({"first_name":"Zoë","last_name":"Ñúñez","note":"🚀 日本"})",
       "v1,/FuXP/W3PO/Is2q9F5Oq+jPUPTf1EqiTHf1l0bhOZXc="},
      {"empty body", "whsec_EtcQX+83SueZ0YTTgco/y3326aCJ+k5E", "msg_empty", 1700000000, "",
       "v1,+k2y4+b9YOWBRd+cFRWwmhmMPfcQFvMk1hAYTw6lgDQ="},
      {"pretty JSON with newlines and trailing newline, 64-byte key without prefix",
       "+QFhqC2ih/hIfIYJZoViQVTPyH/+hkndzOzA6tx2qPfqZxm7ft6IAXd3fLUmeLoen0bixhLG9jbI9ty7YE36QQ==", "msg_pretty",
       1716883320,
       "{\n  \"type\": \"organization.deleted\",\n  \"data\": {\"deleted\": true, \"id\": \"org_1\", \"object\": "
       "\"organization\"}\n}\n",
       "v1,rzFennLCklR14DRVrmWi/bXzBBFisUHse5DSxFbDiuE="},
      {"id with dots and timestamp far from the others", "whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32", "evt.1.2",
       2000000000, R"({"a":"b.c.d"})", "v1,228I6O/22Ho/NZ6rp/VHymUYZTgENF3i5K1sSHzzwEU="},
  };
  for (const SvixVector& vector : vectors) {
    CAPTURE(vector.name);
    WebhookVerifier verifier({vector.secret});
    WebhookHeaders headers{vector.id, std::to_string(vector.timestamp), vector.signature};
    CHECK(outcome(verifier.verify(headers, vector.payload, vector.timestamp)) == "ok");
    // One byte more breaks it: the body really is part of what svix signed.
    CHECK(verifier.verify(headers, vector.payload + " ", vector.timestamp) == SignatureFailure::NoValidSignature);
  }
}

TEST_CASE("webhook signature: svix rotation vector, one header entry per active secret") {
  // From the same script: svix signs with both secrets and joins the entries with a space.
  const char* first_secret = "whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32";
  const char* second_secret = "whsec_EtcQX+83SueZ0YTTgco/y3326aCJ+k5E";
  const WebhookHeaders headers{"msg_rotation", "1716883380",
                               "v1,NSZuXc0Zy7Y8+qUzpF/Cef9zY88Eu5aC+wvdaED+0jY= "
                               "v1,oZieAMrkNesG9RUi9aVltoyQBoNageAJcMCZuT0eaik="};
  const std::string body = R"({"type":"user.updated"})";
  const int64_t now = 1716883380;
  CHECK(WebhookVerifier({first_secret}).verify(headers, body, now) == std::nullopt);
  CHECK(WebhookVerifier({second_secret}).verify(headers, body, now) == std::nullopt);
  CHECK(WebhookVerifier({kPublishedSecret}).verify(headers, body, now) == SignatureFailure::NoValidSignature);
}

TEST_CASE("webhook signature: rotation, several configured secrets") {
  const WebhookHeaders headers = published_headers();
  SUBCASE("the second secret matches") {
    WebhookVerifier verifier({kOtherSecret, kPublishedSecret});
    CHECK(verifier.secret_count() == 2);
    CHECK(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp) == std::nullopt);
  }
  SUBCASE("the first secret matches") {
    WebhookVerifier verifier({kPublishedSecret, kOtherSecret});
    CHECK(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp) == std::nullopt);
  }
  SUBCASE("neither matches") {
    WebhookVerifier verifier({kOtherSecret, "whsec_bKn7vOj0+WVOWxU/f45xwb4R9e/Ov/32"});
    CHECK(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp) == SignatureFailure::NoValidSignature);
  }
}

TEST_CASE("webhook signature: versions other than v1 are ignored") {
  WebhookVerifier verifier({kPublishedSecret});
  WebhookHeaders headers = published_headers();
  const std::string valid_base64 = std::string(kPublishedSignature).substr(3);
  struct Case {
    const char* what;
    std::string signature_header;
    std::optional<SignatureFailure> expected;
  };
  const Case cases[] = {
      {"the valid HMAC labelled v1a", "v1a," + valid_base64, SignatureFailure::NoSupportedSignature},
      {"the valid HMAC labelled v2", "v2," + valid_base64, SignatureFailure::NoSupportedSignature},
      {"the valid HMAC labelled V1", "V1," + valid_base64, SignatureFailure::NoSupportedSignature},
      {"the valid HMAC without a version", valid_base64, SignatureFailure::NoSupportedSignature},
      {"v1a entry first, then the valid v1", "v1a,c29tZSBlZDI1NTE5IHNpZ25hdHVyZQ== " + std::string(kPublishedSignature),
       std::nullopt},
      {"only spaces", "   ", SignatureFailure::NoSupportedSignature},
      {"valid entry between doubled spaces", "v2,x  " + std::string(kPublishedSignature) + "  ", std::nullopt},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    headers.signature = c.signature_header;
    CHECK(outcome(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp)) == outcome(c.expected));
  }
}

TEST_CASE("webhook signature: a different secret or any changed signed part fails") {
  const std::string body = R"({"type":"user.created","data":{"id":"user_1"}})";
  const int64_t timestamp = 1716883200;
  const WebhookHeaders headers{"msg_1", std::to_string(timestamp), sign_v1(kPublishedSecret, "msg_1", timestamp, body)};
  WebhookVerifier verifier({kPublishedSecret});
  REQUIRE(verifier.verify(headers, body, timestamp) == std::nullopt);

  CHECK(WebhookVerifier({kOtherSecret}).verify(headers, body, timestamp) == SignatureFailure::NoValidSignature);

  WebhookHeaders other_id = headers;
  other_id.id = "msg_2";
  CHECK(verifier.verify(other_id, body, timestamp) == SignatureFailure::NoValidSignature);

  WebhookHeaders other_timestamp = headers;
  other_timestamp.timestamp = std::to_string(timestamp + 1);
  CHECK(verifier.verify(other_timestamp, body, timestamp) == SignatureFailure::NoValidSignature);

  std::string tampered = body;
  tampered[tampered.find("user_1")] = 'U';
  CHECK(verifier.verify(headers, tampered, timestamp) == SignatureFailure::NoValidSignature);
  CHECK(verifier.verify(headers, body.substr(0, body.size() - 1), timestamp) == SignatureFailure::NoValidSignature);
  CHECK(verifier.verify(headers, body + "\n", timestamp) == SignatureFailure::NoValidSignature);
  CHECK(verifier.verify(headers, "", timestamp) == SignatureFailure::NoValidSignature);
}

TEST_CASE("webhook signature: the body is verified byte for byte, NUL bytes included") {
  const std::string body("{\"a\":\0\"b\"}\xff", 11);
  const WebhookHeaders headers{"msg_bin", "1716883200", sign_v1(kPublishedSecret, "msg_bin", 1716883200, body)};
  WebhookVerifier verifier({kPublishedSecret});
  CHECK(verifier.verify(headers, body, 1716883200) == std::nullopt);
  // Truncation at the NUL (what a C-string API would do) must not verify.
  CHECK(verifier.verify(headers, std::string_view(body.c_str()), 1716883200) == SignatureFailure::NoValidSignature);
}

TEST_CASE("webhook signature: a large body verifies") {
  const std::string body(1 << 20, 'x');
  const WebhookHeaders headers{"msg_big", "1716883200", sign_v1(kPublishedSecret, "msg_big", 1716883200, body)};
  CHECK(WebhookVerifier({kPublishedSecret}).verify(headers, body, 1716883200) == std::nullopt);
}

TEST_CASE("webhook signature: timestamps within 5 minutes either way, and no further") {
  REQUIRE(kWebhookToleranceSeconds == 300);
  WebhookVerifier verifier({kPublishedSecret});
  const WebhookHeaders headers = published_headers();
  const int64_t signed_at = kPublishedTimestamp;
  struct Case {
    int64_t now_minus_signed;
    std::optional<SignatureFailure> expected;
  };
  const Case cases[] = {
      {0, std::nullopt},
      {299, std::nullopt},
      {-299, std::nullopt},
      {300, std::nullopt},  // "more than 5 minutes" is refused; exactly 5 is not (as in svix)
      {-300, std::nullopt},
      {301, SignatureFailure::TimestampTooOld},
      {-301, SignatureFailure::TimestampTooNew},
      {86400, SignatureFailure::TimestampTooOld},
      {-86400, SignatureFailure::TimestampTooNew},
      {signed_at, SignatureFailure::TimestampTooOld},  // now = 2 × signed_at
  };
  for (const Case& c : cases) {
    CAPTURE(c.now_minus_signed);
    CHECK(outcome(verifier.verify(headers, kPublishedPayload, signed_at + c.now_minus_signed)) == outcome(c.expected));
  }
  // A stale delivery is refused for its age even when its signature is bad: the cheap check first.
  WebhookHeaders forged = headers;
  forged.signature = kPublishedSignatureLastDigitChanged;
  CHECK(verifier.verify(forged, kPublishedPayload, signed_at + 301) == SignatureFailure::TimestampTooOld);
}

TEST_CASE("webhook signature: a timestamp that is not an integer is refused") {
  WebhookVerifier verifier({kPublishedSecret});
  WebhookHeaders headers = published_headers();
  const char* malformed[] = {
      "hello",          "1614265330.5", "1614265330.0", "1.61426533e9", " 1614265330", "1614265330 ",
      "+1614265330",    "-1614265330",  "0x6038B3F2",   "1614265330s",  "1614265330\n",
      "１６１４２６５３３０",  // full-width digits
      "9999999999999999999",  // 19 digits: beyond int64_t
  };
  for (const char* timestamp : malformed) {
    CAPTURE(timestamp);
    headers.timestamp = timestamp;
    CHECK(outcome(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp)) ==
          outcome(SignatureFailure::MalformedTimestamp));
  }
  // Leading zeros are an integer still; like the svix libraries, the signed content uses the
  // integer's own decimal form, so the published signature verifies.
  headers.timestamp = "0" + std::to_string(kPublishedTimestamp);
  CHECK(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp) == std::nullopt);
}

TEST_CASE("webhook signature: missing or empty headers") {
  WebhookVerifier verifier({kPublishedSecret});
  WebhookHeaders headers = published_headers();
  SUBCASE("empty signature") { headers.signature.clear(); }
  SUBCASE("empty id") { headers.id.clear(); }
  SUBCASE("empty timestamp") { headers.timestamp.clear(); }
  SUBCASE("all empty") { headers = WebhookHeaders{}; }
  CHECK(verifier.verify(headers, kPublishedPayload, kPublishedTimestamp) == SignatureFailure::MissingHeaders);
}

TEST_CASE("webhook signature: garbage in the signature header never verifies") {
  WebhookVerifier verifier({kPublishedSecret});
  WebhookHeaders headers = published_headers();
  const std::string published_base64 = std::string(kPublishedSignature).substr(3);
  const std::string garbage[] = {
      "v1,!!!!not*base64!!!!",
      "v1,====",
      "v1,\xff\xfe\x00\x01",
      std::string("v1,\0", 4) + published_base64,
      "v1," + published_base64.substr(0, published_base64.size() - 1),  // padding dropped: svix refuses it too
      "v1," + published_base64 + "=",
      "v1," + published_base64 + ",extra",
      "v1, " + published_base64,  // the space splits the entry: "v1," and the bare base64
      "v1;" + published_base64,
      ",",
      "v1",
      std::string(8192, 'A'),
      "v1," + std::string(8192, 'A'),
  };
  for (const std::string& signature_header : garbage) {
    CAPTURE(signature_header.substr(0, 60));
    headers.signature = signature_header;
    const auto failure = verifier.verify(headers, kPublishedPayload, kPublishedTimestamp);
    CHECK(failure.has_value());
    if (failure) {
      CHECK((*failure == SignatureFailure::NoValidSignature || *failure == SignatureFailure::NoSupportedSignature));
    }
  }
}

TEST_CASE("webhook signature: bad secrets are refused without echoing them") {
  CHECK_THROWS_AS(WebhookVerifier(std::vector<std::string>{}), std::invalid_argument);
  CHECK_THROWS_AS(WebhookVerifier({""}), std::invalid_argument);
  CHECK_THROWS_AS(WebhookVerifier({"whsec_"}), std::invalid_argument);
  CHECK_THROWS_AS(WebhookVerifier({"whsec_===="}), std::invalid_argument);
  CHECK_THROWS_AS(WebhookVerifier({kPublishedSecret, "whsec_ MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(WebhookVerifier({"\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\""}), std::invalid_argument);

  const std::string message = throw_message({kPublishedSecret, "whsec_TOPSECRETVALUE%%"});
  CHECK(message.find("#2 of 2") != std::string::npos);
  CHECK(message.find("TOPSECRETVALUE") == std::string::npos);
  const std::string trailing_newline = throw_message({"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"});
  CHECK(!trailing_newline.empty());
  CHECK(trailing_newline.find("MfKQ9r8G") == std::string::npos);
}

TEST_CASE("webhook signature: failure descriptions are distinct and leak nothing") {
  const SignatureFailure all[] = {SignatureFailure::MissingHeaders,      SignatureFailure::MalformedTimestamp,
                                  SignatureFailure::TimestampTooOld,     SignatureFailure::TimestampTooNew,
                                  SignatureFailure::NoSupportedSignature, SignatureFailure::NoValidSignature};
  std::set<std::string> texts;
  for (SignatureFailure failure : all) {
    const std::string text = describe(failure);
    CHECK(!text.empty());
    texts.insert(text);
  }
  CHECK(texts.size() == std::size(all));
}
