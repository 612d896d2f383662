// Clerk session tokens (src/domain/jwt_verifier.*) as raw bytes: header, payload and signature
// shapes, kid selection between a JWKS and a PEM. The verifier holds the real fuzz key, and the
// seeds are tokens validly signed with it (make_seeds.mjs), so mutations start from tokens that
// pass. Property: verify() answers claims or TokenRejected, nothing else; accepted claims have a
// subject and an expiry in the future (with the skew).
#include <cstdint>
#include <string_view>

#include "domain/jwt_verifier.h"
#include "fuzz_input.h"
#include "jwt_key.h"

namespace {
constexpr int64_t kNowMs = 1716883200000;  // the seeds' clock (tests/interop/clerk_payloads.mjs T0)

const mcp::domain::JwtVerifier& verifier() {
  static const mcp::domain::JwtVerifier instance(mcp::fuzz::fuzz_public_pem(), mcp::fuzz::fuzz_jwks("fuzz-1"),
                                                  {"https://app.example.com"});
  return instance;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)mcp::domain::looks_like_jwt(token);
  try {
    mcp::domain::SessionClaims claims = verifier().verify(token, kNowMs);
    if (claims.subject.empty()) mcp::fuzz::property_failed("a token without a subject was accepted");
    if (claims.expires_at_ms + 5000 <= kNowMs) mcp::fuzz::property_failed("an expired token was accepted");
  } catch (const mcp::domain::TokenRejected&) {
  }
  return 0;
}
