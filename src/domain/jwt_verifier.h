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

// A session token (Clerk's, typ JWT or none) or an OAuth access token (RFC 9068, typ at+jwt) that
// Clerk issues to MCP clients (README "MCP clients: OAuth discovery").
enum class TokenKind { Session, Access };

// The claims mcp-admin uses, normalised across Clerk's v1 and v2 token formats.
struct SessionClaims {
  TokenKind kind = TokenKind::Session;
  std::string subject;                          // sub: Clerk user id (user_…)
  std::optional<std::string> session_id;        // sid (sess_…)
  std::optional<std::string> authorized_party;  // azp
  std::optional<std::string> org_id;            // v1 org_id, v2 o.id
  std::optional<std::string> org_role;          // v1 org_role, v2 o.rol; always "org:…" form ("admin" → "org:admin")
  std::optional<std::string> org_slug;          // v1 org_slug, v2 o.slg
  int64_t expires_at_ms = 0;                    // exp * 1000
  std::optional<std::string> issuer;            // iss
  std::vector<std::string> audiences;           // aud (a string or an array in the token)
  std::optional<std::string> client_id;         // access tokens: the OAuth client (audit trail)
  std::optional<std::string> scope;             // access tokens: space-separated scopes
  std::optional<std::string> nonce;             // OpenID Connect ID tokens: the sign-in's nonce
};

// Whether the token's audience names `resource` (a trailing slash does not count).
bool audience_names(const SessionClaims& claims, std::string_view resource);

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
  // Tokens whose header typ is at+jwt (or application/at+jwt) are access tokens: they need an issuer
  // (require_issuer) and are not checked against the authorized parties; the caller checks their
  // audience against the resource (audience_names). Any other typ than JWT / at+jwt is refused.
  SessionClaims verify(std::string_view token, int64_t now_ms) const;

  // Every token must then carry this iss (CLERK_ISSUER); without it access tokens are refused.
  void require_issuer(std::string issuer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::domain
