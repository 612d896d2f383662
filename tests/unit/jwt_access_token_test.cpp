// OAuth access tokens (RFC 9068, typ at+jwt) beside Clerk session tokens in the one verifier
// (src/domain/jwt_verifier.*, README "MCP clients: OAuth discovery"): the kind comes from the header's typ, access tokens
// need the configured issuer, and session tokens are checked for iss once an issuer is known.
#include "domain/jwt_verifier.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "util/crypto.h"

using mcp::domain::audience_names;
using mcp::domain::JwtVerifier;
using mcp::domain::TokenKind;
using mcp::domain::TokenRejected;
using nlohmann::json;

namespace {

constexpr int64_t kNowSeconds = 1'760'000'000;
constexpr int64_t kNowMs = kNowSeconds * 1000;
const std::string kIssuer = "https://clerk.example.test";
const std::string kResource = "https://mcp.example.test/mcp/github";

struct Key {
  std::shared_ptr<EVP_PKEY> pkey;
  std::string pem;
};

const Key& test_key() {
  static const Key key = [] {
    EVP_PKEY* raw = EVP_RSA_gen(2048);
    REQUIRE(raw != nullptr);
    std::shared_ptr<EVP_PKEY> pkey(raw, EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE(PEM_write_bio_PUBKEY(bio.get(), raw) == 1);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio.get(), &data);
    return Key{pkey, std::string(data, static_cast<size_t>(length))};
  }();
  return key;
}

std::string sign(const json& header, const json& payload) {
  std::string input = mcp::util::base64url_encode(header.dump()) + "." + mcp::util::base64url_encode(payload.dump());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, test_key().pkey.get()) == 1);
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) == 1);
  std::string signature(length, '\0');
  REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data, input.size()) == 1);
  signature.resize(length);
  return input + "." + mcp::util::base64url_encode(signature);
}

json access_claims() {
  return json{{"iss", kIssuer},         {"sub", "user_2ada"},         {"aud", kResource},
              {"client_id", "client_claude"}, {"scope", "profile email"}, {"exp", kNowSeconds + 60},
              {"iat", kNowSeconds - 5}, {"jti", "at_1"}};
}

json at_header(const char* typ = "at+jwt") { return json{{"alg", "RS256"}, {"typ", typ}}; }

std::unique_ptr<JwtVerifier> verifier_with_issuer(std::vector<std::string> parties = {}) {
  auto verifier = std::make_unique<JwtVerifier>(test_key().pem, std::nullopt, std::move(parties));
  verifier->require_issuer(kIssuer);
  return verifier;
}

std::string rejection(const JwtVerifier& verifier, const std::string& token) {
  try {
    verifier.verify(token, kNowMs);
  } catch (const TokenRejected& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("access token: typ at+jwt is an access token with its audience, client and scope") {
  auto owned = verifier_with_issuer({"https://app.example.test"});
  const JwtVerifier& verifier = *owned;
  auto claims = verifier.verify(sign(at_header(), access_claims()), kNowMs);
  CHECK(claims.kind == TokenKind::Access);
  CHECK(claims.subject == "user_2ada");
  CHECK(claims.issuer == kIssuer);
  CHECK(claims.client_id == "client_claude");
  CHECK(claims.scope == "profile email");
  CHECK(audience_names(claims, kResource));
  CHECK(audience_names(claims, kResource + "/"));
  CHECK_FALSE(audience_names(claims, "https://mcp.example.test/mcp/git"));
  // application/at+jwt is the same type (RFC 9068 §2.1), matched case-insensitively.
  CHECK(verifier.verify(sign(at_header("application/AT+JWT"), access_claims()), kNowMs).kind == TokenKind::Access);
  // aud as an array.
  auto several = access_claims();
  several["aud"] = json::array({"https://other.example", kResource});
  CHECK(audience_names(verifier.verify(sign(at_header(), several), kNowMs), kResource));
  auto none = access_claims();
  none.erase("aud");
  CHECK(verifier.verify(sign(at_header(), none), kNowMs).audiences.empty());
}

TEST_CASE("access token: refused without a configured issuer, with another issuer, or malformed claims") {
  JwtVerifier no_issuer(test_key().pem, std::nullopt, {});
  CHECK(rejection(no_issuer, sign(at_header(), access_claims())).find("CLERK_ISSUER") != std::string::npos);

  auto owned = verifier_with_issuer();
  const JwtVerifier& verifier = *owned;
  auto foreign = access_claims();
  foreign["iss"] = "https://evil.example";
  CHECK(rejection(verifier, sign(at_header(), foreign)) == "the access token was not issued by " + kIssuer + " (iss)");
  auto missing = access_claims();
  missing.erase("iss");
  CHECK(rejection(verifier, sign(at_header(), missing)).find("not issued by") != std::string::npos);
  auto expired = access_claims();
  expired["exp"] = kNowSeconds - 60;
  CHECK(rejection(verifier, sign(at_header(), expired)) == "the access token has expired");
  auto bad_aud = access_claims();
  bad_aud["aud"] = json::array({kResource, 7});
  CHECK(rejection(verifier, sign(at_header(), bad_aud)).find("audience (aud)") != std::string::npos);
  CHECK(rejection(verifier, sign(json{{"alg", "RS256"}, {"typ", "dpop+jwt"}}, access_claims())).find("type (typ)") !=
        std::string::npos);
}

TEST_CASE("session token: iss is checked once an issuer is known; azp applies to session tokens only") {
  json session = {{"iss", kIssuer}, {"sub", "user_2ada"}, {"sid", "sess_1"}, {"azp", "https://app.example.test"},
                  {"exp", kNowSeconds + 60}, {"iat", kNowSeconds - 5}};
  auto owned = verifier_with_issuer({"https://app.example.test"});
  const JwtVerifier& verifier = *owned;
  auto claims = verifier.verify(sign(json{{"alg", "RS256"}, {"typ", "JWT"}}, session), kNowMs);
  CHECK(claims.kind == TokenKind::Session);
  CHECK(claims.session_id == "sess_1");
  // No typ at all is a session token too (as Clerk's older tokens).
  CHECK(verifier.verify(sign(json{{"alg", "RS256"}}, session), kNowMs).kind == TokenKind::Session);

  auto foreign = session;
  foreign["iss"] = "https://other-instance.clerk.accounts.dev";
  CHECK(rejection(verifier, sign(json{{"alg", "RS256"}, {"typ", "JWT"}}, foreign)) ==
        "the session token was not issued by " + kIssuer + " (iss)");
  // Without a configured issuer, session tokens are accepted whatever their iss (as before).
  JwtVerifier no_issuer(test_key().pem, std::nullopt, {});
  CHECK(no_issuer.verify(sign(json{{"alg", "RS256"}, {"typ", "JWT"}}, foreign), kNowMs).subject == "user_2ada");

  // An access token's azp / client is not held to the session tokens' authorized parties.
  auto access = access_claims();
  access["azp"] = "client_claude";
  CHECK(verifier.verify(sign(at_header(), access), kNowMs).kind == TokenKind::Access);
}
