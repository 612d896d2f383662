#include "app/authenticator.h"

#include <fstream>
#include <sstream>

#include "app/config.h"
#include "app/usage_recorder.h"
#include "domain/api_key.h"
#include "domain/audit_trail.h"
#include "domain/clerk_event.h"
#include "domain/credentials.h"
#include "domain/jwt_verifier.h"
#include "domain/protected_resource.h"
#include "storage/api_key_store.h"
#include "storage/database.h"
#include "storage/identity_store.h"
#include "storage/session_store.h"

namespace mcp::app {

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("CLERK_JWKS_FILE '" + path + "' cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

Authenticator::Authenticator(storage::Database& db, const Config& config, UsageRecorder& usage)
    : db_(db),
      usage_(usage),
      public_url_(config.public_url),
      allow_missing_audience_(config.oauth_allow_missing_audience) {
  if (config.jwt_key || config.jwks_file) {
    std::optional<std::string> jwks;
    if (config.jwks_file) jwks = read_file(*config.jwks_file);
    try {
      jwt_ = std::make_unique<domain::JwtVerifier>(config.jwt_key, jwks, config.authorized_parties);
      if (config.clerk_issuer) jwt_->require_issuer(*config.clerk_issuer);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("CLERK_JWT_KEY / CLERK_JWKS_FILE: ") + e.what());
    }
  }
}

Authenticator::~Authenticator() = default;

domain::Principal Authenticator::authenticate(std::string_view credential, int64_t now_ms) {
  domain::CredentialShape shape = domain::classify_credential(credential, jwt_ != nullptr);
  if (!shape.kind) throw Unauthenticated(shape.refusal);
  if (*shape.kind == domain::CredentialKind::Token) return authenticate_session_token(credential, now_ms);
  return authenticate_api_key(credential, shape.api_key_prefix, now_ms);
}

domain::Principal Authenticator::authenticate_api_key(std::string_view credential, const std::string& prefix,
                                                      int64_t now_ms) {
  auto key = storage::read_value(db_, [&](storage::Transaction& session) {
    return storage::find_api_key_by_prefix(session, prefix);
  });
  std::optional<domain::StoredApiKeyState> stored;
  if (key) stored = domain::StoredApiKeyState{key->key_hash, key->revoked_at, key->expires_at};
  if (auto refusal = domain::api_key_refusal(credential, stored, now_ms)) throw Unauthenticated(*refusal);
  usage_.record(key->id, now_ms);
  return domain::api_key_principal(key->id, key->organization_id, key->role);
}

domain::Principal Authenticator::authenticate_session_token(std::string_view token, int64_t now_ms) {
  domain::SessionClaims claims;
  try {
    claims = jwt_->verify(token, now_ms);
  } catch (const domain::TokenRejected& e) {
    throw Unauthenticated(e.what());
  }
  // An access token minted for another resource of the same Clerk instance is not for this API.
  if (claims.kind == domain::TokenKind::Access) {
    if (auto refusal = domain::access_token_refusal(claims, public_url_, allow_missing_audience_)) {
      throw Unauthenticated(*refusal);
    }
  }
  domain::Principal principal;
  std::optional<std::string> refusal;
  db_.read([&](storage::Transaction& session) {
    std::optional<std::string> session_status;
    if (claims.session_id) {
      if (auto clerk_session = storage::find_clerk_session_state(session, *claims.session_id)) {
        session_status = clerk_session->clerk_status;
      }
    }
    auto user = storage::find_user_by_clerk_id(session, claims.subject);
    refusal = domain::token_refusal(user.has_value(), user && user->deleted_at, session_status);
    if (refusal) return;
    principal = domain::token_principal(claims, user->id);
    // The active organization: the token's own claim, else the one switched to through the API.
    std::optional<std::string> organization_id;
    if (claims.org_id) {
      auto organization = storage::find_organization_by_clerk_id(session, *claims.org_id);
      if (organization && !organization->deleted_at) organization_id = organization->id;
    } else if (claims.session_id) {
      auto user_session = storage::find_session_by_clerk_session_id(session, *claims.session_id);
      if (user_session && user_session->user_id == user->id && !user_session->revoked_at &&
          (!user_session->expires_at || *user_session->expires_at > now_ms)) {
        organization_id = user_session->organization_id;
      }
    }
    // The synced membership decides the role: a token minted before a removal cannot outlive it.
    if (organization_id) {
      if (auto membership = storage::find_live_membership(session, *organization_id, user->id)) {
        principal.organization_id = organization_id;
        principal.role = membership->role;
      }
    }
  });
  if (refusal) throw Unauthenticated(*refusal);
  return principal;
}

domain::Principal Authenticator::authenticate_signed_in_user(const std::string& clerk_user_id,
                                                           const std::optional<std::string>& organization_id) {
  domain::Principal principal;
  std::optional<std::string> refusal;
  db_.read([&](storage::Transaction& session) {
    auto user = storage::find_user_by_clerk_id(session, clerk_user_id);
    refusal = domain::token_refusal(user.has_value(), user && user->deleted_at, std::nullopt);
    if (refusal) return;
    domain::SessionClaims claims;
    claims.subject = clerk_user_id;
    principal = domain::token_principal(claims, user->id);
    if (!organization_id) return;
    auto organization = storage::find_organization(session, *organization_id);
    if (!organization || organization->deleted_at) return;
    if (auto membership = storage::find_live_membership(session, organization->id, user->id)) {
      principal.organization_id = organization->id;
      principal.role = membership->role;
    }
  });
  if (refusal) throw Unauthenticated(*refusal);
  return principal;
}

BootstrapKeyState ensure_bootstrap_key(storage::Database& db, const std::string& secret) {
  domain::NewApiKey stored = domain::describe_api_key(secret);
  return storage::write_value(db, [&](storage::Transaction& session) {
    storage::ApiKeyRecord key;
    key.name = "bootstrap (MCP_ADMIN_BOOTSTRAP_KEY)";
    key.prefix = stored.prefix;
    key.key_hash = stored.hash;
    key.role = "ADMIN";
    key.created_by = "system";
    if (!storage::insert_api_key_if_absent(session, key)) {
      auto existing = storage::find_api_key_by_prefix(session, stored.prefix);
      if (!existing || !domain::api_key_matches(secret, existing->key_hash)) return BootstrapKeyState::Other;
      return existing->revoked_at ? BootstrapKeyState::Revoked : BootstrapKeyState::Present;
    }
    domain::AuditTrail(session, domain::system_actor())
        .record(std::nullopt, domain::audit_action::kApiKeyCreated, domain::audit_target::kApiKey, key.id, nullptr,
                {{"name", key.name}, {"prefix", key.prefix}, {"platform", true}});
    return BootstrapKeyState::Created;
  });
}

}  // namespace mcp::app
