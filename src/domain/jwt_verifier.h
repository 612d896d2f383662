#pragma once
// Clerk session tokens (RS256 JWTs) verified without a network call: with CLERK_JWT_KEY (PEM) or a
// saved JWKS file (key chosen by `kid`).
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::domain {

// Why a token was refused; the message is safe to send to the client (never contains the token).
class TokenRejected : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The claims mcp-admin uses, normalised across Clerk's v1 and v2 token formats.
struct SessionClaims {
  std::string subject;                          // sub: Clerk user id (user_…)
  std::optional<std::string> session_id;        // sid (sess_…)
  std::optional<std::string> authorized_party;  // azp
  std::optional<std::string> org_id;            // v1 org_id, v2 o.id
  std::optional<std::string> org_role;          // v1 org_role, v2 o.rol; always "org:…" form ("admin" → "org:admin")
  std::optional<std::string> org_slug;          // v1 org_slug, v2 o.slg
  int64_t expires_at_ms = 0;                    // exp * 1000
};

// True when the credential has the shape of a JWT (three non-empty dot-separated base64url parts);
// anything else is treated as an API key.
bool looks_like_jwt(std::string_view credential);

class JwtVerifier {
 public:
  // pem: a "-----BEGIN PUBLIC KEY-----" RSA key; jwks_json: the text of a JWKS document
  // ({"keys":[{"kty":"RSA","kid":…,"n":…,"e":…,"alg":"RS256","use":"sig"}]}). Either or both.
  // Throws std::invalid_argument with a clear message when a key cannot be loaded (the caller turns
  // it into a configuration error, exit 2).
  JwtVerifier(const std::optional<std::string>& pem, const std::optional<std::string>& jwks_json,
              std::vector<std::string> authorized_parties, int64_t clock_skew_ms = 5000);
  ~JwtVerifier();

  // Verifies signature (RS256 only; alg none/HS256/anything else refused), exp (required),
  // nbf and iat (when present, with the skew), azp (when authorized parties are configured the
  // token's azp must be one of them; a token without azp is then refused), sub (required).
  // With a JWKS: header kid selects the key (unknown kid → rejected; no kid and exactly one key → that key).
  // With only a PEM: that key, whatever the kid. With both: kid match in JWKS first, else the PEM.
  // Throws TokenRejected("the session token has expired") etc. — short, specific, safe messages.
  SessionClaims verify(std::string_view token, int64_t now_ms) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::domain
