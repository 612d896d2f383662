#pragma once
// How a presented credential authenticates, for the admin API (src/app/authenticator.cpp) and the
// gateway (src/app/gateway_authorizer.cpp) alike. Each reads its rows its own way (the gateway in
// one statement with the server and the service, behind its cache); both ask these rules, so a
// credential gets the same answer on both. Every refusal here is a 401; its text is safe to show
// and never holds the credential.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/jwt_verifier.h"
#include "domain/principal.h"

namespace mcp::domain {

enum class CredentialKind { ApiKey, Token };

// What a credential is, told from its shape before anything is read; `refusal` is set instead when
// it cannot be used at all: none sent, neither an API key nor a JWT, or a JWT while no key to verify
// tokens is configured (`tokens_verifiable` false).
struct CredentialShape {
  std::optional<CredentialKind> kind;
  std::string api_key_prefix;  // ApiKey: the lookup prefix
  std::string refusal;
};
CredentialShape classify_credential(std::string_view credential, bool tokens_verifiable);

// The row found under an API key's prefix, as the rule needs it.
struct StoredApiKeyState {
  std::string_view key_hash;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> expires_at;
};

// Why the presented key does not authenticate against the row found under its prefix (none:
// nullopt `stored`), or nullopt when it does.
std::optional<std::string> api_key_refusal(std::string_view presented, const std::optional<StoredApiKeyState>& stored,
                                           int64_t now_ms);

// The principal of an authenticated key: platform admin when it has no organization.
Principal api_key_principal(const std::string& key_id, const std::optional<std::string>& organization_id,
                            const std::string& role);

// Why a verified Clerk token (or a signed-in admin page user) does not authenticate, from what is
// stored about its user (`sub`) and its session (`sid`; nullopt status: no session events stored),
// or nullopt when it does. The user comes first: a deleted user's token is refused as deleted, on
// /api/v1 and at the gateway, whatever its session says.
std::optional<std::string> token_refusal(bool user_found, bool user_deleted,
                                         const std::optional<std::string>& session_clerk_status);

// The principal of an authenticated token, before its organization and role are known.
Principal token_principal(const SessionClaims& claims, const std::string& user_id);

}  // namespace mcp::domain
