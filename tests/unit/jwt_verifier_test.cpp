// Networkless verification of Clerk session tokens (src/domain/jwt_verifier.*): RSA keys are
// generated here with OpenSSL, tokens are signed here (RS256), and every outcome is asserted
// exactly: the claims of an accepted token, the message of a refused one.
#include "domain/jwt_verifier.h"

#include <doctest/doctest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "util/crypto.h"

using mcp::domain::JwtVerifier;
using mcp::domain::looks_like_jwt;
using mcp::domain::SessionClaims;
using mcp::domain::TokenRejected;
using nlohmann::json;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'000;
constexpr int64_t kNowSeconds = kNowMs / 1000;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string base64url(std::string_view bytes) {
  std::string text = mcp::util::base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string bignum_base64url(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return base64url(bytes);
}

// An RSA key pair with its public half as PEM and as the JWK members n and e.
struct TestKey {
  PkeyPtr key;
  std::string pem;
  std::string n;
  std::string e;

  json jwk(const std::string& kid) const {
    return json{{"kty", "RSA"}, {"kid", kid}, {"use", "sig"}, {"alg", "RS256"}, {"n", n}, {"e", e}};
  }
};

TestKey make_key(size_t bits = 2048) {
  TestKey test_key;
  test_key.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  REQUIRE(test_key.key);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  REQUIRE(PEM_write_bio_PUBKEY(bio.get(), test_key.key.get()) == 1);
  test_key.pem.resize(BIO_ctrl_pending(bio.get()));
  REQUIRE(BIO_read(bio.get(), test_key.pem.data(), static_cast<int>(test_key.pem.size())) ==
          static_cast<int>(test_key.pem.size()));
  test_key.n = bignum_base64url(test_key.key.get(), OSSL_PKEY_PARAM_RSA_N);
  test_key.e = bignum_base64url(test_key.key.get(), OSSL_PKEY_PARAM_RSA_E);
  return test_key;
}

// Three 2048-bit keys, generated once for the whole binary.
const TestKey& key_a() {
  static const TestKey key = make_key();
  return key;
}
const TestKey& key_b() {
  static const TestKey key = make_key();
  return key;
}
const TestKey& key_c() {
  static const TestKey key = make_key();
  return key;
}

std::string rs256_signature(EVP_PKEY* key, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1);
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) == 1);
  std::string signature(length, '\0');
  REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                         input.size()) == 1);
  signature.resize(length);
  return signature;
}

// header.payload.signature with the given header and payload texts, signed RS256 by `key`.
std::string sign_raw(const TestKey& key, std::string_view header_text, std::string_view payload_text) {
  std::string input = base64url(header_text) + "." + base64url(payload_text);
  return input + "." + base64url(rs256_signature(key.key.get(), input));
}

std::string sign(const TestKey& key, const json& payload, const json& header = {{"alg", "RS256"}, {"typ", "JWT"}}) {
  return sign_raw(key, header.dump(), payload.dump());
}

json rs256_header(const std::string& kid) { return json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid}}; }

// A Clerk v1 session token's claims, valid at kNowMs.
json v1_claims() {
  return json{{"azp", "https://app.example.com"},
              {"exp", kNowSeconds + 60},
              {"iat", kNowSeconds - 10},
              {"nbf", kNowSeconds - 20},
              {"iss", "https://clerk.example.com"},
              {"sid", "sess_2abc"},
              {"sub", "user_2xyz"},
              {"org_id", "org_2acme"},
              {"org_role", "org:admin"},
              {"org_slug", "acme"}};
}

// A Clerk v2 session token's claims, valid at kNowMs.
json v2_claims() {
  return json{{"azp", "https://app.example.com"},
              {"exp", kNowSeconds + 60},
              {"iat", kNowSeconds - 10},
              {"nbf", kNowSeconds - 20},
              {"iss", "https://clerk.example.com"},
              {"sid", "sess_2abc"},
              {"sub", "user_2xyz"},
              {"v", 2},
              {"fva", json::array({5, -1})},
              {"o", {{"id", "org_2beta"}, {"rol", "member"}, {"slg", "beta"}, {"per", "read,manage"}}}};
}

JwtVerifier pem_verifier(const TestKey& key, std::vector<std::string> parties = {}) {
  return JwtVerifier(key.pem, std::nullopt, std::move(parties));
}

std::string jwks_of(const std::vector<json>& jwks) { return json{{"keys", jwks}}.dump(); }

}  // namespace

TEST_CASE("jwt: looks_like_jwt accepts three non-empty base64url parts and nothing else") {
  CHECK(looks_like_jwt("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln"));
  CHECK(looks_like_jwt("a.b.c"));
  CHECK(looks_like_jwt("A-_z.0_9-.Zz"));
  CHECK(looks_like_jwt(sign(key_a(), v1_claims())));
  CHECK_FALSE(looks_like_jwt(""));
  CHECK_FALSE(looks_like_jwt("mcp_sk_0123456789abcdefghijklmnopqrstuvwxyzABCDEF"));
  CHECK_FALSE(looks_like_jwt("a.b"));
  CHECK_FALSE(looks_like_jwt("a.b.c.d"));
  CHECK_FALSE(looks_like_jwt("a..c"));
  CHECK_FALSE(looks_like_jwt(".b.c"));
  CHECK_FALSE(looks_like_jwt("a.b."));
  CHECK_FALSE(looks_like_jwt(".."));
  CHECK_FALSE(looks_like_jwt("a.b+.c"));   // standard base64, not base64url
  CHECK_FALSE(looks_like_jwt("a.b.c="));   // padding
  CHECK_FALSE(looks_like_jwt("a.b c.d"));  // space
  CHECK_FALSE(looks_like_jwt("Bearer a.b.c"));
}

TEST_CASE("jwt: a good v1 token verifies and yields its claims") {
  JwtVerifier verifier = pem_verifier(key_a(), {"https://app.example.com"});
  SessionClaims claims = verifier.verify(sign(key_a(), v1_claims()), kNowMs);
  CHECK(claims.subject == "user_2xyz");
  CHECK(claims.session_id == std::optional<std::string>("sess_2abc"));
  CHECK(claims.authorized_party == std::optional<std::string>("https://app.example.com"));
  CHECK(claims.org_id == std::optional<std::string>("org_2acme"));
  CHECK(claims.org_role == std::optional<std::string>("org:admin"));
  CHECK(claims.org_slug == std::optional<std::string>("acme"));
  CHECK(claims.expires_at_ms == (kNowSeconds + 60) * 1000);

  // A v1 role without the "org:" prefix is normalised too.
  json payload = v1_claims();
  payload["org_role"] = "basic_member";
  CHECK(verifier.verify(sign(key_a(), payload), kNowMs).org_role == std::optional<std::string>("org:basic_member"));
}

TEST_CASE("jwt: a good v2 token verifies; o.rol becomes the org: form") {
  JwtVerifier verifier = pem_verifier(key_a());
  SessionClaims claims = verifier.verify(sign(key_a(), v2_claims(), rs256_header("ins_any")), kNowMs);
  CHECK(claims.subject == "user_2xyz");
  CHECK(claims.session_id == std::optional<std::string>("sess_2abc"));
  CHECK(claims.org_id == std::optional<std::string>("org_2beta"));
  CHECK(claims.org_role == std::optional<std::string>("org:member"));
  CHECK(claims.org_slug == std::optional<std::string>("beta"));
  CHECK(claims.expires_at_ms == (kNowSeconds + 60) * 1000);

  // v2 claims read even without "v", v1 claims even with "v":2.
  json v2_without_v = v2_claims();
  v2_without_v.erase("v");
  CHECK(verifier.verify(sign(key_a(), v2_without_v), kNowMs).org_id == std::optional<std::string>("org_2beta"));
  json v1_with_v = v1_claims();
  v1_with_v["v"] = 2;
  CHECK(verifier.verify(sign(key_a(), v1_with_v), kNowMs).org_id == std::optional<std::string>("org_2acme"));

  // No organization at all: every org field empty, optional claims absent.
  json personal = {{"sub", "user_solo"}, {"exp", kNowSeconds + 1}, {"v", 2}};
  SessionClaims solo = verifier.verify(sign(key_a(), personal), kNowMs);
  CHECK(solo.subject == "user_solo");
  CHECK_FALSE(solo.session_id);
  CHECK_FALSE(solo.authorized_party);
  CHECK_FALSE(solo.org_id);
  CHECK_FALSE(solo.org_role);
  CHECK_FALSE(solo.org_slug);

  // A fractional exp (NumericDate may be one) is kept to the millisecond.
  json fractional = personal;
  fractional["exp"] = static_cast<double>(kNowSeconds) + 60.5;
  CHECK(verifier.verify(sign(key_a(), fractional), kNowMs).expires_at_ms == kNowMs + 60'500);
}

TEST_CASE("jwt: exp is checked with the clock skew") {
  JwtVerifier verifier = pem_verifier(key_a());  // default skew: 5000 ms
  json payload = v1_claims();
  payload["exp"] = kNowSeconds - 10;
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs), "the session token has expired", TokenRejected);
  payload["exp"] = kNowSeconds - 5;  // exactly the skew: expired
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs), "the session token has expired", TokenRejected);
  payload["exp"] = kNowSeconds - 4;  // within the skew
  CHECK(verifier.verify(sign(key_a(), payload), kNowMs).expires_at_ms == kNowMs - 4000);

  JwtVerifier strict(key_a().pem, std::nullopt, {}, 0);
  payload["exp"] = kNowSeconds;
  CHECK_THROWS_WITH_AS(strict.verify(sign(key_a(), payload), kNowMs), "the session token has expired", TokenRejected);
  CHECK(strict.verify(sign(key_a(), payload), kNowMs - 1).subject == "user_2xyz");
}

TEST_CASE("jwt: nbf in the future is refused beyond the skew, accepted within it") {
  JwtVerifier verifier = pem_verifier(key_a());
  json payload = v1_claims();
  payload["nbf"] = kNowSeconds + 60;
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs), "the session token is not valid yet (nbf)",
                       TokenRejected);
  payload["nbf"] = kNowSeconds + 6;
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs), "the session token is not valid yet (nbf)",
                       TokenRejected);
  payload["nbf"] = kNowSeconds + 5;
  CHECK(verifier.verify(sign(key_a(), payload), kNowMs).subject == "user_2xyz");
}

TEST_CASE("jwt: iat in the future is refused beyond the skew, accepted within it") {
  JwtVerifier verifier = pem_verifier(key_a());
  json payload = v1_claims();
  payload.erase("nbf");
  payload["iat"] = kNowSeconds + 30;
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token was issued in the future (iat)", TokenRejected);
  payload["iat"] = kNowSeconds + 3;
  CHECK(verifier.verify(sign(key_a(), payload), kNowMs).subject == "user_2xyz");

  JwtVerifier wide(key_a().pem, std::nullopt, {}, 60'000);
  payload["iat"] = kNowSeconds + 30;
  CHECK(wide.verify(sign(key_a(), payload), kNowMs).subject == "user_2xyz");
}

TEST_CASE("jwt: a token signed by another key, or altered after signing, is refused") {
  JwtVerifier verifier = pem_verifier(key_a());
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_b(), v1_claims()), kNowMs),
                       "the session token's signature is not valid", TokenRejected);

  const std::string good = sign(key_a(), v1_claims());
  REQUIRE(verifier.verify(good, kNowMs).subject == "user_2xyz");
  const size_t first_dot = good.find('.');
  const size_t second_dot = good.find('.', first_dot + 1);

  // Payload swapped for another (a different user), signature kept.
  json forged = v1_claims();
  forged["sub"] = "user_attacker";
  std::string tampered = good.substr(0, first_dot + 1) + base64url(forged.dump()) + good.substr(second_dot);
  CHECK_THROWS_WITH_AS(verifier.verify(tampered, kNowMs), "the session token's signature is not valid", TokenRejected);

  // Header swapped (an extra member), payload and signature kept.
  std::string new_header = base64url(json{{"alg", "RS256"}, {"typ", "JWT"}, {"x", 1}}.dump());
  CHECK_THROWS_WITH_AS(verifier.verify(new_header + good.substr(first_dot), kNowMs),
                       "the session token's signature is not valid", TokenRejected);

  // One signature character changed (A <-> B flips a high bit, so the encoding stays canonical).
  std::string flipped = good;
  char& c = flipped[second_dot + 1];
  c = c == 'A' ? 'B' : 'A';
  CHECK_THROWS_WITH_AS(verifier.verify(flipped, kNowMs), "the session token's signature is not valid", TokenRejected);

  // Signature truncated by three bytes (re-encoded, so still canonical base64url).
  const std::string signing_input = good.substr(0, second_dot);
  const std::string signature = rs256_signature(key_a().key.get(), signing_input);
  REQUIRE(base64url(signature) == good.substr(second_dot + 1));  // RS256 is deterministic
  const std::string short_signature = base64url(signature.substr(0, signature.size() - 3));
  CHECK_THROWS_WITH_AS(verifier.verify(signing_input + "." + short_signature, kNowMs),
                       "the session token's signature is not valid", TokenRejected);

  // Another token's signature.
  json other = v1_claims();
  other["sid"] = "sess_other";
  std::string other_token = sign(key_a(), other);
  CHECK_THROWS_WITH_AS(verifier.verify(good.substr(0, second_dot) + other_token.substr(other_token.rfind('.')), kNowMs),
                       "the session token's signature is not valid", TokenRejected);
}

TEST_CASE("jwt: alg none, HS256 and anything but RS256 are refused") {
  JwtVerifier verifier = pem_verifier(key_a());
  const std::string payload = base64url(v1_claims().dump());

  // alg none: an unsigned token, with an empty signature part or a dummy one.
  const std::string none_header = base64url(R"({"alg":"none","typ":"JWT"})");
  CHECK_THROWS_WITH_AS(verifier.verify(none_header + "." + payload + ".", kNowMs),
                       "the session token is malformed (expected three dot-separated parts)", TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(none_header + "." + payload + ".AAAA", kNowMs),
                       "the session token's algorithm is not RS256", TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(base64url(R"({"alg":"None"})") + "." + payload + ".AAAA", kNowMs),
                       "the session token's algorithm is not RS256", TokenRejected);

  // HS256 keyed with the public key's PEM text: the classic algorithm-confusion forgery.
  const std::string hs_input = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + payload;
  const std::string hs_token = hs_input + "." + base64url(mcp::util::hmac_sha256(key_a().pem, hs_input));
  CHECK_THROWS_WITH_AS(verifier.verify(hs_token, kNowMs), "the session token's algorithm is not RS256", TokenRejected);

  // Other RSA algorithms, a lower-case spelling, a non-string and a missing alg.
  for (const char* alg : {"RS512", "PS256", "rs256", "ES256"}) {
    CAPTURE(alg);
    CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), v1_claims(), json{{"alg", alg}}), kNowMs),
                         "the session token's algorithm is not RS256", TokenRejected);
  }
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), v1_claims(), json{{"alg", 256}}), kNowMs),
                       "the session token's algorithm (alg) is not a string", TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), v1_claims(), json{{"typ", "JWT"}}), kNowMs),
                       "the session token has no algorithm (alg)", TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), v1_claims(), json{{"alg", "RS256"}, {"crit", {"exp"}}}), kNowMs),
                       "the session token has critical header parameters (crit) that are not supported", TokenRejected);
}

TEST_CASE("jwt: authorized parties") {
  const std::vector<std::string> parties = {"https://app.example.com", "http://localhost:3000"};
  JwtVerifier verifier = pem_verifier(key_a(), parties);

  json payload = v1_claims();
  CHECK(verifier.verify(sign(key_a(), payload), kNowMs).authorized_party ==
        std::optional<std::string>("https://app.example.com"));
  payload["azp"] = "http://localhost:3000";
  CHECK(verifier.verify(sign(key_a(), payload), kNowMs).authorized_party ==
        std::optional<std::string>("http://localhost:3000"));

  for (const char* azp : {"https://evil.example.com", "https://app.example.com/", "HTTPS://APP.EXAMPLE.COM", ""}) {
    CAPTURE(azp);
    payload["azp"] = azp;
    CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                         "the session token's authorized party (azp) is not allowed", TokenRejected);
  }
  payload["azp"] = json::array({"https://app.example.com"});
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token's authorized party (azp) is not a string", TokenRejected);

  payload.erase("azp");
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token has no authorized party (azp)", TokenRejected);

  // No authorized parties configured (or only empty entries): azp is optional and not checked.
  JwtVerifier open = pem_verifier(key_a(), {"", ""});
  CHECK(open.verify(sign(key_a(), payload), kNowMs).authorized_party == std::nullopt);
  payload["azp"] = "https://anything.example.com";
  CHECK(open.verify(sign(key_a(), payload), kNowMs).authorized_party ==
        std::optional<std::string>("https://anything.example.com"));
}

TEST_CASE("jwt: a JWKS with two keys selects the key by kid") {
  JwtVerifier verifier(std::nullopt, jwks_of({key_a().jwk("ins_a"), key_b().jwk("ins_b")}), {});
  CHECK(verifier.verify(sign(key_a(), v1_claims(), rs256_header("ins_a")), kNowMs).subject == "user_2xyz");
  CHECK(verifier.verify(sign(key_b(), v2_claims(), rs256_header("ins_b")), kNowMs).org_id ==
        std::optional<std::string>("org_2beta"));
  // The kid decides: key B's signature under kid ins_a is checked with key A, and fails.
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_b(), v1_claims(), rs256_header("ins_a")), kNowMs),
                       "the session token's signature is not valid", TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), v1_claims(), rs256_header("ins_c")), kNowMs),
                       "the session token's key id (kid) matches no configured key", TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), v1_claims()), kNowMs),
                       "the session token has no key id (kid) and several keys are configured", TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), v1_claims(), json{{"alg", "RS256"}, {"kid", 7}}), kNowMs),
                       "the session token's key id (kid) is not a string", TokenRejected);
}

TEST_CASE("jwt: key choice with one JWKS key, with only a PEM, and with both") {
  JwtVerifier single(std::nullopt, jwks_of({key_a().jwk("ins_a")}), {});
  CHECK(single.verify(sign(key_a(), v1_claims()), kNowMs).subject == "user_2xyz");  // no kid, one key
  CHECK_THROWS_WITH_AS(single.verify(sign(key_a(), v1_claims(), rs256_header("ins_x")), kNowMs),
                       "the session token's key id (kid) matches no configured key", TokenRejected);

  JwtVerifier pem_only = pem_verifier(key_a());  // the PEM, whatever the kid
  CHECK(pem_only.verify(sign(key_a(), v1_claims(), rs256_header("ins_whatever")), kNowMs).subject == "user_2xyz");

  // Both: a kid in the JWKS selects its key; any other kid, or none, goes to the PEM.
  JwtVerifier both(key_c().pem, jwks_of({key_a().jwk("ins_a"), key_b().jwk("ins_b")}), {});
  CHECK(both.verify(sign(key_a(), v1_claims(), rs256_header("ins_a")), kNowMs).subject == "user_2xyz");
  CHECK(both.verify(sign(key_b(), v1_claims(), rs256_header("ins_b")), kNowMs).subject == "user_2xyz");
  CHECK(both.verify(sign(key_c(), v1_claims(), rs256_header("ins_c")), kNowMs).subject == "user_2xyz");
  CHECK(both.verify(sign(key_c(), v1_claims()), kNowMs).subject == "user_2xyz");
  CHECK_THROWS_WITH_AS(both.verify(sign(key_c(), v1_claims(), rs256_header("ins_a")), kNowMs),
                       "the session token's signature is not valid", TokenRejected);
  CHECK_THROWS_WITH_AS(both.verify(sign(key_a(), v1_claims(), rs256_header("ins_c")), kNowMs),
                       "the session token's signature is not valid", TokenRejected);

  // Both, with a one-key JWKS: a token without kid goes to the PEM, not to the JWKS key.
  JwtVerifier both_single(key_c().pem, jwks_of({key_a().jwk("ins_a")}), {});
  CHECK(both_single.verify(sign(key_c(), v1_claims()), kNowMs).subject == "user_2xyz");
  CHECK_THROWS_WITH_AS(both_single.verify(sign(key_a(), v1_claims()), kNowMs),
                       "the session token's signature is not valid", TokenRejected);
  CHECK(both_single.verify(sign(key_a(), v1_claims(), rs256_header("ins_a")), kNowMs).subject == "user_2xyz");
}

TEST_CASE("jwt: a JWKS skips keys that are not RSA signature keys") {
  json ec_key = {{"kty", "EC"}, {"crv", "P-256"}, {"kid", "ec"}, {"x", "AAAA"}, {"y", "AAAA"}};
  json enc_key = key_b().jwk("enc");
  enc_key["use"] = "enc";
  json padded = key_a().jwk("ins_a");
  padded["e"] = padded["e"].get<std::string>() + "=";  // some tools pad; tolerated in the JWKS
  JwtVerifier verifier(std::nullopt, jwks_of({ec_key, enc_key, padded}), {});
  CHECK(verifier.verify(sign(key_a(), v1_claims()), kNowMs).subject == "user_2xyz");  // the only usable key
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_b(), v1_claims(), rs256_header("enc")), kNowMs),
                       "the session token's key id (kid) matches no configured key", TokenRejected);
}

TEST_CASE("jwt: malformed tokens are refused with a specific message") {
  JwtVerifier verifier = pem_verifier(key_a());
  const std::string good = sign(key_a(), v1_claims());
  const std::string malformed = "the session token is malformed (expected three dot-separated parts)";
  for (const std::string& token : {std::string(""), std::string("abc"), good.substr(0, good.rfind('.')),
                                   good + ".AAAA", good.substr(good.find('.')),
                                   std::string("a..b"), std::string("..")}) {
    CAPTURE(token);
    CHECK_THROWS_WITH_AS(verifier.verify(token, kNowMs), malformed.c_str(), TokenRejected);
  }

  const std::string payload = base64url(v1_claims().dump());
  const std::string bad_header = "the session token's header is not base64url-encoded JSON";
  CHECK_THROWS_WITH_AS(verifier.verify("eyJh!GciOiJSUzI1NiJ9." + payload + ".AAAA", kNowMs), bad_header.c_str(),
                       TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(base64url(R"({"alg":"RS256"})") + "A." + payload + ".AAAA", kNowMs),
                       bad_header.c_str(), TokenRejected);  // length 1 mod 4
  CHECK_THROWS_WITH_AS(verifier.verify(base64url("not json") + "." + payload + ".AAAA", kNowMs), bad_header.c_str(),
                       TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(base64url(R"(["RS256"])") + "." + payload + ".AAAA", kNowMs),
                       bad_header.c_str(), TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(base64url("\"RS256\"") + "." + payload + ".AAAA", kNowMs), bad_header.c_str(),
                       TokenRejected);
  // Standard base64 characters are not base64url.
  std::string plus_header = base64url(R"({"alg":"RS256"})");
  plus_header[2] = '+';
  CHECK_THROWS_WITH_AS(verifier.verify(plus_header + "." + payload + ".AAAA", kNowMs), bad_header.c_str(),
                       TokenRejected);

  // Signature not base64url, or non-canonical (the last character carries unused bits).
  const std::string head_and_payload = good.substr(0, good.rfind('.'));
  CHECK_THROWS_WITH_AS(verifier.verify(head_and_payload + ".AA=A", kNowMs),
                       "the session token's signature is not base64url", TokenRejected);
  std::string noncanonical = good;
  const std::string signature_part = good.substr(good.rfind('.') + 1);
  REQUIRE(signature_part.size() % 4 == 2);  // 256 bytes: the last character has 4 unused bits
  char& last = noncanonical.back();
  last = last == 'B' ? 'C' : 'B';  // B (000001) and C (000010) both set unused low bits
  CHECK_THROWS_WITH_AS(verifier.verify(noncanonical, kNowMs), "the session token's signature is not base64url",
                       TokenRejected);

  // A payload that is signed correctly but is not a JSON object.
  const std::string bad_payload = "the session token's payload is not base64url-encoded JSON";
  CHECK_THROWS_WITH_AS(verifier.verify(sign_raw(key_a(), R"({"alg":"RS256"})", "not json"), kNowMs),
                       bad_payload.c_str(), TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(sign_raw(key_a(), R"({"alg":"RS256"})", "[1,2]"), kNowMs), bad_payload.c_str(),
                       TokenRejected);
  CHECK_THROWS_WITH_AS(verifier.verify(sign_raw(key_a(), R"({"alg":"RS256"})", "{\"sub\":\"a\xff\"}"), kNowMs),
                       bad_payload.c_str(), TokenRejected);  // invalid UTF-8

  // Over 16 KiB, even when correctly signed.
  json big = v1_claims();
  big["padding"] = std::string(16 * 1024, 'x');
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), big), kNowMs), "the session token is too large", TokenRejected);
  json near_limit = v1_claims();
  near_limit["padding"] = std::string(11 * 1024, 'x');
  std::string near_token = sign(key_a(), near_limit);
  REQUIRE(near_token.size() <= 16 * 1024);
  CHECK(verifier.verify(near_token, kNowMs).subject == "user_2xyz");
}

TEST_CASE("jwt: sub and exp are required and every time claim must be a number") {
  JwtVerifier verifier = pem_verifier(key_a());
  json payload = v1_claims();
  payload.erase("sub");
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs), "the session token has no subject (sub)",
                       TokenRejected);
  payload["sub"] = "";
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs), "the session token has no subject (sub)",
                       TokenRejected);
  payload["sub"] = 42;
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token's subject (sub) is not a string", TokenRejected);

  payload = v1_claims();
  payload.erase("exp");
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs), "the session token has no expiry (exp)",
                       TokenRejected);
  for (const json& bad : {json(std::to_string(kNowSeconds + 60)), json(true), json(nullptr), json::object(),
                          json(1e300), json(static_cast<uint64_t>(-1))}) {
    CAPTURE(bad.dump());
    payload["exp"] = bad;
    CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                         "the session token's expiry (exp) is not a number", TokenRejected);
  }

  payload = v1_claims();
  payload["nbf"] = "0";
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token's not-before (nbf) is not a number", TokenRejected);
  payload = v1_claims();
  payload["iat"] = json::array();
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token's issued-at (iat) is not a number", TokenRejected);

  payload = v1_claims();
  payload["sid"] = 1;
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token's session id (sid) is not a string", TokenRejected);
  payload = v2_claims();
  payload["o"] = "org_2beta";
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token's organization claim (o) is not an object", TokenRejected);
  payload["o"] = {{"id", "org_2beta"}, {"rol", 3}};
  CHECK_THROWS_WITH_AS(verifier.verify(sign(key_a(), payload), kNowMs),
                       "the session token's organization claim (o) is malformed", TokenRejected);
}

TEST_CASE("jwt: refusal messages never contain the token") {
  JwtVerifier verifier = pem_verifier(key_a(), {"https://other.example.com"});
  const std::string token = sign(key_a(), v1_claims());
  std::vector<std::string> tokens = {token, token.substr(0, token.size() - 4), token + ".x",
                                     sign(key_b(), v1_claims())};
  for (const std::string& candidate : tokens) {
    try {
      verifier.verify(candidate, kNowMs);
      FAIL("accepted");
    } catch (const TokenRejected& rejected) {
      const std::string message = rejected.what();
      CHECK(message.starts_with("the session token"));
      CHECK(message.find(candidate.substr(0, 12)) == std::string::npos);
      CHECK(message.find("user_2xyz") == std::string::npos);
    }
  }
}

TEST_CASE("jwt: the constructor refuses keys it cannot load") {
  using std::nullopt;
  CHECK_THROWS_AS(JwtVerifier(nullopt, nullopt, {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(std::string("not a key"), nullopt, {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(std::string(""), nullopt, {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(std::string("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), nullopt, {}),
                  std::invalid_argument);
  std::string truncated = key_a().pem.substr(0, key_a().pem.size() / 2);
  CHECK_THROWS_AS(JwtVerifier(truncated, nullopt, {}), std::invalid_argument);
  const std::string private_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  CHECK_THROWS_AS(JwtVerifier(private_pem, nullopt, {}), std::invalid_argument);
  const TestKey small = make_key(1024);
  CHECK_THROWS_WITH_AS(JwtVerifier(small.pem, nullopt, {}),
                       "CLERK_JWT_KEY is a 1024-bit RSA key; at least 2048 bits are required", std::invalid_argument);
  PkeyPtr ec_key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(ec_key);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  REQUIRE(PEM_write_bio_PUBKEY(bio.get(), ec_key.get()) == 1);
  std::string ec_pem(BIO_ctrl_pending(bio.get()), '\0');
  REQUIRE(BIO_read(bio.get(), ec_pem.data(), static_cast<int>(ec_pem.size())) == static_cast<int>(ec_pem.size()));
  CHECK_THROWS_WITH_AS(JwtVerifier(ec_pem, nullopt, {}),
                       "CLERK_JWT_KEY is not an RSA key (Clerk session tokens are RS256)", std::invalid_argument);

  CHECK_THROWS_AS(JwtVerifier(nullopt, std::string("not json"), {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(nullopt, std::string("[]"), {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(nullopt, std::string(R"({"keys":{}})"), {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(nullopt, std::string(R"({"keys":[]})"), {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(nullopt, std::string(R"({"keys":[42]})"), {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(nullopt, std::string(R"({"keys":[{"kty":"EC","kid":"x"}]})"), {}),
                  std::invalid_argument);
  json no_n = key_a().jwk("a");
  no_n.erase("n");
  CHECK_THROWS_AS(JwtVerifier(nullopt, jwks_of({no_n}), {}), std::invalid_argument);
  json bad_n = key_a().jwk("a");
  bad_n["n"] = "not*base64url";
  CHECK_THROWS_AS(JwtVerifier(nullopt, jwks_of({bad_n}), {}), std::invalid_argument);
  json short_n = key_a().jwk("a");
  short_n["n"] = small.n;
  CHECK_THROWS_AS(JwtVerifier(nullopt, jwks_of({short_n}), {}), std::invalid_argument);
  json even_e = key_a().jwk("a");
  even_e["e"] = "AQAA";  // 65536: even, not a valid RSA public exponent
  CHECK_THROWS_AS(JwtVerifier(nullopt, jwks_of({even_e}), {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(nullopt, jwks_of({key_a().jwk("same"), key_b().jwk("same")}), {}),
                  std::invalid_argument);
  // A good PEM does not excuse a bad JWKS, nor the reverse.
  CHECK_THROWS_AS(JwtVerifier(key_a().pem, std::string("{}"), {}), std::invalid_argument);
  CHECK_THROWS_AS(JwtVerifier(std::string("junk"), jwks_of({key_a().jwk("a")}), {}), std::invalid_argument);

  CHECK_THROWS_AS(JwtVerifier(key_a().pem, nullopt, {}, -1), std::invalid_argument);
}

TEST_CASE("jwt: CLERK_JWT_KEY flattened into one line still loads") {
  std::string with_escapes;  // newlines written as the two characters \n, as in many .env files
  std::string with_spaces;
  for (char c : key_a().pem) {
    with_escapes += c == '\n' ? std::string("\\n") : std::string(1, c);
    with_spaces += c == '\n' ? ' ' : c;
  }
  const std::string token = sign(key_a(), v1_claims());
  CHECK(JwtVerifier(with_escapes, std::nullopt, {}).verify(token, kNowMs).subject == "user_2xyz");
  CHECK(JwtVerifier(with_spaces, std::nullopt, {}).verify(token, kNowMs).subject == "user_2xyz");
  CHECK_THROWS_WITH_AS(JwtVerifier(with_spaces, std::nullopt, {}).verify(sign(key_b(), v1_claims()), kNowMs),
                       "the session token's signature is not valid", TokenRejected);
}

TEST_CASE("jwt: one verifier serves many threads at once") {
  JwtVerifier verifier(key_c().pem, jwks_of({key_a().jwk("ins_a"), key_b().jwk("ins_b")}), {});
  const std::string good_a = sign(key_a(), v1_claims(), rs256_header("ins_a"));
  const std::string good_b = sign(key_b(), v2_claims(), rs256_header("ins_b"));
  const std::string bad = sign(key_b(), v1_claims(), rs256_header("ins_a"));
  std::atomic<int> accepted{0};
  std::atomic<int> rejected{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    threads.emplace_back([&] {
      for (int round = 0; round < 100; ++round) {
        if (verifier.verify(good_a, kNowMs).org_id == std::optional<std::string>("org_2acme")) ++accepted;
        if (verifier.verify(good_b, kNowMs).org_id == std::optional<std::string>("org_2beta")) ++accepted;
        try {
          verifier.verify(bad, kNowMs);
        } catch (const TokenRejected&) {
          ++rejected;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(accepted.load() == 800);
  CHECK(rejected.load() == 400);
}
