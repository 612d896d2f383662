#pragma once
// Turns a presented credential (an API key or a Clerk session token) into a Principal for the admin
// API, or refuses it with a reason safe to show (401), by the rules of src/domain/credentials.h that
// the gateway applies too. What the principal may do is domain::authorize's.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "domain/principal.h"

namespace mcp::storage {
class Database;
}
namespace mcp::domain {
class JwtVerifier;
}

namespace mcp::app {

struct Config;
class UsageRecorder;

// No credential, an unknown/expired/revoked key, a bad or expired token: 401. Never carries the credential.
class Unauthenticated : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Authenticator {
 public:
  // Loads the JWT keys (CLERK_JWT_KEY, CLERK_JWKS_FILE); throws ConfigError when they cannot be used.
  Authenticator(storage::Database& db, const Config& config, UsageRecorder& usage);
  ~Authenticator();

  // Reads what it needs from the database (one read transaction). Counts the use of an API key.
  domain::Principal authenticate(std::string_view credential, int64_t now_ms);

  // The admin page's signed-in user (a sealed session cookie), acting in `organization_id` (internal
  // id) with its membership's role; no role when that membership has ended. Unauthenticated when
  // the user is unknown here or deleted.
  domain::Principal authenticate_signed_in_user(const std::string& clerk_user_id,
                                                const std::optional<std::string>& organization_id);

  // The verifier, or null when neither CLERK_JWT_KEY nor CLERK_JWKS_FILE is set.
  const domain::JwtVerifier* jwt_verifier() const { return jwt_.get(); }

 private:
  domain::Principal authenticate_api_key(std::string_view credential, const std::string& prefix, int64_t now_ms);
  domain::Principal authenticate_session_token(std::string_view token, int64_t now_ms);

  storage::Database& db_;
  UsageRecorder& usage_;
  std::unique_ptr<domain::JwtVerifier> jwt_;
  // OAuth access tokens on the admin API: their audience must name the platform's public URL (the
  // resource of the bare /.well-known/oauth-protected-resource).
  std::optional<std::string> public_url_;
  bool allow_missing_audience_ = false;
};

// What ensure_bootstrap_key found or did.
enum class BootstrapKeyState {
  Created,  // stored now
  Present,  // stored before, usable
  Revoked,  // stored before and revoked (`apikey revoke`): it stays revoked, and is refused
  Other,    // its prefix belongs to a different key: the bootstrap key is not accepted
};

// Ensures MCP_ADMIN_BOOTSTRAP_KEY exists as a platform-admin key (stored hashed). A bootstrap key
// that was revoked stays revoked.
BootstrapKeyState ensure_bootstrap_key(storage::Database& db, const std::string& secret);

}  // namespace mcp::app
