#include "domain/credentials.h"

#include "domain/api_key.h"
#include "domain/clerk_event.h"

namespace mcp::domain {

CredentialShape classify_credential(std::string_view credential, bool tokens_verifiable) {
  CredentialShape shape;
  if (credential.empty()) {
    shape.refusal = "No credential: send Authorization: Bearer <API key or Clerk session token>, or X-API-Key.";
  } else if (looks_like_jwt(credential)) {
    if (tokens_verifiable) {
      shape.kind = CredentialKind::Token;
    } else {
      shape.refusal = "Session tokens are not accepted: set CLERK_JWT_KEY or CLERK_JWKS_FILE to verify them.";
    }
  } else if (auto prefix = api_key_prefix(credential)) {
    shape.kind = CredentialKind::ApiKey;
    shape.api_key_prefix = std::move(*prefix);
  } else {
    shape.refusal = "The credential is neither an API key (mcp_sk_…) nor a session token.";
  }
  return shape;
}

std::optional<std::string> api_key_refusal(std::string_view presented, const std::optional<StoredApiKeyState>& stored,
                                           int64_t now_ms) {
  if (!stored || !api_key_matches(presented, stored->key_hash)) return "The API key is not known.";
  // Revoked is revoked whatever the time it carries: another instance's clock may run ahead of ours.
  if (stored->revoked_at) return "The API key has been revoked.";
  if (stored->expires_at && *stored->expires_at <= now_ms) return "The API key has expired.";
  return std::nullopt;
}

Principal api_key_principal(const std::string& key_id, const std::optional<std::string>& organization_id,
                            const std::string& role) {
  Principal principal;
  principal.kind = Principal::Kind::ApiKey;
  principal.actor_id = key_id;
  principal.platform_admin = !organization_id.has_value();
  principal.organization_id = organization_id;
  if (organization_id) principal.role = role;
  return principal;
}

std::optional<std::string> token_refusal(bool user_found, bool user_deleted,
                                         const std::optional<std::string>& session_clerk_status) {
  if (!user_found) {
    return "The token's user is not known here (its user.created webhook has not been delivered yet).";
  }
  if (user_deleted) return "The token's user has been deleted.";
  if (session_clerk_status && is_ended_session_status(*session_clerk_status)) {
    return "The token's session has ended in Clerk (" + *session_clerk_status + "): sign in again.";
  }
  return std::nullopt;
}

Principal token_principal(const SessionClaims& claims, const std::string& user_id) {
  Principal principal;
  principal.kind = Principal::Kind::User;
  principal.actor_id = user_id;
  principal.user_id = user_id;
  principal.clerk_user_id = claims.subject;
  principal.clerk_session_id = claims.session_id;
  if (claims.kind == TokenKind::Access) principal.oauth_client_id = claims.client_id;
  return principal;
}

}  // namespace mcp::domain
