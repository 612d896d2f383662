#pragma once
// The admin page's "Sign in with Clerk" (README "Sign in with Clerk"): OpenID Connect
// authorization code + PKCE against CLERK_ISSUER, with Clerk as the identity provider of an OAuth
// application. Nothing of a sign-in is stored on the server: the attempt (state, PKCE verifier,
// nonce) and then the session live in cookies sealed with HMAC-SHA256 under a key derived from the
// OAuth client secret, which every instance of a deployment shares. A session cookie is good
// until it expires (8 h); signing out clears it in the browser.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcp::domain {

inline constexpr std::string_view kAdminSessionCookie = "mcp_admin_session";
inline constexpr std::string_view kSignInCookie = "mcp_admin_sign_in";
inline constexpr int64_t kAdminSessionTtlMs = 8LL * 3600 * 1000;
inline constexpr int64_t kSignInAttemptTtlMs = 10LL * 60 * 1000;

// One sign-in in flight: what the callback must find again.
struct SignInAttempt {
  std::string state;
  std::string code_verifier;  // RFC 7636: 43 base64url characters
  std::string nonce;
  int64_t expires_at_ms = 0;
};

// A signed-in admin page: who, in which organization (internal id; none: no organization
// chosen), until when, and the token every change the page makes must echo (X-CSRF-Token).
struct AdminSession {
  std::string clerk_user_id;
  std::optional<std::string> organization_id;
  std::string csrf_token;
  int64_t expires_at_ms = 0;
};

// A fresh attempt: random state, verifier and nonce.
SignInAttempt new_sign_in_attempt(int64_t now_ms);
// A fresh session for the user in the organization, with a new CSRF token.
AdminSession new_admin_session(std::string clerk_user_id, std::optional<std::string> organization_id,
                               int64_t now_ms);

// The S256 code challenge of a verifier: base64url(SHA-256(verifier)).
std::string pkce_challenge(std::string_view code_verifier);

// Seals and opens the cookies. Opening refuses (nullopt) a value that was not sealed with this
// key for this purpose, was changed, or has expired.
class CookieSeal {
 public:
  explicit CookieSeal(std::string_view client_secret);

  std::string seal(const SignInAttempt& attempt) const;
  std::string seal(const AdminSession& session) const;
  std::optional<SignInAttempt> open_attempt(std::string_view value, int64_t now_ms) const;
  std::optional<AdminSession> open_session(std::string_view value, int64_t now_ms) const;

 private:
  std::string seal_payload(std::string_view purpose, const std::string& json) const;
  std::optional<std::string> open_payload(std::string_view purpose, std::string_view value) const;
  std::string key_;
};

// Why a sign-in failed; the message is safe to show the person signing in.
class SignInFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Clerk's token endpoint, as the sign-in's callback uses it (src/clients implements it over HTTPS).
class OidcTokenEndpoint {
 public:
  virtual ~OidcTokenEndpoint() = default;
  // Exchanges an authorization code (with its PKCE verifier) for the ID token. Throws SignInFailed.
  virtual std::string exchange_code(const std::string& code, const std::string& code_verifier,
                                    const std::string& redirect_uri) = 0;
};

}  // namespace mcp::domain
