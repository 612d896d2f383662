// The claim checks behind a valid signature (src/domain/jwt_verifier.*): the fuzzer writes the
// header and payload JSON, the target encodes and signs them with the real fuzz key, so every
// input reaches alg/kid/crit handling and the exp/nbf/iat/sub/azp/org claims (v1 and v2 shapes).
// Input: header JSON \n--\n payload JSON. Signing costs ~1 ms, so this target is the slow one.
// Properties as jwt_shapes; and the same token with its last signature byte flipped is refused.
#include <cstdint>
#include <string>

#include "domain/jwt_verifier.h"
#include "fuzz_input.h"
#include "jwt_key.h"
#include "util/crypto.h"

namespace {
constexpr int64_t kNowMs = 1716883200000;

const mcp::domain::JwtVerifier& verifier() {
  static const mcp::domain::JwtVerifier instance(mcp::fuzz::fuzz_public_pem(), mcp::fuzz::fuzz_jwks("fuzz-1"),
                                                  {"https://app.example.com"});
  return instance;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mcp::fuzz::FieldReader input(data, size);
  std::string_view header = input.field();
  std::string_view payload = input.rest();
  std::string signing_input = mcp::util::base64url_encode(header) + "." + mcp::util::base64url_encode(payload);
  std::string signature = mcp::fuzz::rs256_sign(signing_input);
  if (signature.empty()) return 0;
  std::string token = signing_input + "." + mcp::util::base64url_encode(signature);
  bool accepted = false;
  try {
    mcp::domain::SessionClaims claims = verifier().verify(token, kNowMs);
    accepted = true;
    if (claims.subject.empty()) mcp::fuzz::property_failed("a token without a subject was accepted");
    if (claims.expires_at_ms + 5000 <= kNowMs) mcp::fuzz::property_failed("an expired token was accepted");
  } catch (const mcp::domain::TokenRejected&) {
  }
  if (accepted) {
    signature.back() = static_cast<char>(signature.back() ^ 0x01);
    std::string forged = signing_input + "." + mcp::util::base64url_encode(signature);
    try {
      (void)verifier().verify(forged, kNowMs);
      mcp::fuzz::property_failed("a token with a wrong signature was accepted");
    } catch (const mcp::domain::TokenRejected&) {
    }
  }
  return 0;
}
