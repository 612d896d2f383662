// The authentication rules the admin API and the gateway share (src/domain/credentials.*): one
// answer per case, whichever of the two asks.
#include "domain/credentials.h"

#include <doctest/doctest.h>

#include "domain/api_key.h"

using namespace mcp::domain;

TEST_CASE("credentials: a credential's shape decides how it is read, before anything is read") {
  CHECK(classify_credential("", true).refusal.starts_with("No credential"));
  CHECK(classify_credential("hunter2", true).refusal.starts_with("The credential is neither"));
  NewApiKey key = generate_api_key();
  CredentialShape api_key = classify_credential(key.secret, false);
  REQUIRE(api_key.kind == CredentialKind::ApiKey);
  CHECK(api_key.api_key_prefix == key.prefix);
  CHECK(api_key.refusal.empty());
  std::string jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEifQ.c2ln";
  CHECK(classify_credential(jwt, true).kind == CredentialKind::Token);
  CredentialShape unverifiable = classify_credential(jwt, false);
  CHECK_FALSE(unverifiable.kind);
  CHECK(unverifiable.refusal.find("CLERK_JWT_KEY") != std::string::npos);
}

TEST_CASE("credentials: an API key is refused when unknown, mismatched, revoked or expired") {
  NewApiKey key = generate_api_key();
  NewApiKey other = generate_api_key();
  const int64_t now = 1'000'000;
  CHECK(api_key_refusal(key.secret, std::nullopt, now) == "The API key is not known.");
  CHECK(api_key_refusal(key.secret, StoredApiKeyState{other.hash, {}, {}}, now) == "The API key is not known.");
  CHECK_FALSE(api_key_refusal(key.secret, StoredApiKeyState{key.hash, {}, {}}, now));
  CHECK_FALSE(api_key_refusal(key.secret, StoredApiKeyState{key.hash, {}, now + 1}, now));
  CHECK(api_key_refusal(key.secret, StoredApiKeyState{key.hash, {}, now}, now) == "The API key has expired.");
  // Revoked wins over a revocation time in the future (another instance's clock may run ahead).
  CHECK(api_key_refusal(key.secret, StoredApiKeyState{key.hash, now + 60'000, {}}, now) ==
        "The API key has been revoked.");
}

TEST_CASE("credentials: a key's principal is a platform admin exactly when it has no organization") {
  Principal platform = api_key_principal("key_1", std::nullopt, "ADMIN");
  CHECK(platform.platform_admin);
  CHECK(platform.role.empty());
  Principal member = api_key_principal("key_2", std::string("org_1"), "MEMBER");
  CHECK_FALSE(member.platform_admin);
  CHECK(member.organization_id == "org_1");
  CHECK(member.role == "MEMBER");
  CHECK(member.actor_id == "key_2");
}

TEST_CASE("credentials: a token's user is judged before its session") {
  CHECK(token_refusal(false, false, std::nullopt)->find("not known here") != std::string::npos);
  CHECK(token_refusal(true, true, std::nullopt) == "The token's user has been deleted.");
  CHECK(token_refusal(true, true, std::string("revoked")) == "The token's user has been deleted.");
  CHECK(token_refusal(true, false, std::string("revoked"))->find("ended in Clerk (revoked)") != std::string::npos);
  CHECK_FALSE(token_refusal(true, false, std::string("active")));
  CHECK_FALSE(token_refusal(true, false, std::string("pending")));
  CHECK_FALSE(token_refusal(true, false, std::nullopt));
}

TEST_CASE("credentials: an access token's principal carries its OAuth client, a session token's does not") {
  SessionClaims claims;
  claims.subject = "user_1";
  claims.session_id = "sess_1";
  claims.client_id = "client_1";
  CHECK_FALSE(token_principal(claims, "u1").oauth_client_id);
  claims.kind = TokenKind::Access;
  Principal principal = token_principal(claims, "u1");
  CHECK(principal.oauth_client_id == "client_1");
  CHECK(principal.actor_id == "u1");
  CHECK(principal.clerk_user_id == "user_1");
  CHECK(principal.clerk_session_id == "sess_1");
}
