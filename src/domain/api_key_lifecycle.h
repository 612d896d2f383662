#pragma once
// An API key's life, in one place for the admin API and the CLI (`apikey`, `studio`): minted with
// its secret shown once and only its hash stored, revoked once. Each step writes its audit row
// (api_key.created, api_key.revoked) with the key's audit view, whoever takes it.
#include <cstdint>
#include <optional>
#include <string>

#include "domain/api_key.h"
#include "domain/audit_trail.h"
#include "storage/api_key_store.h"

namespace mcp::domain {

struct KeyToMint {
  std::optional<std::string> organization_id;  // none: a platform-admin key
  std::string name;
  std::string role = "MEMBER";
  std::optional<int64_t> expires_at;
  std::optional<std::string> created_by;
  int64_t created_at = 0;  // the time a lifetime counts from
};

struct MintedApiKey {
  storage::ApiKeyRecord record;
  NewApiKey secret;  // secret.secret is the key: shown once, never logged
};

// Stores a new key; nullopt when its organization is deleted (checked under a lock, so a deletion
// running at the same time either sees the key and revokes it, or makes this refuse).
std::optional<MintedApiKey> mint_api_key(AuditTrail& trail, const KeyToMint& request);

// Revokes `key` as of `at`; false when it was revoked already (before, or by a concurrent revoke).
bool revoke_api_key(AuditTrail& trail, const storage::ApiKeyRecord& key, int64_t at);

// What the audit trail holds of a key: the admin API's view of it, never the hash.
nlohmann::json audit_view(const storage::ApiKeyRecord& key);

}  // namespace mcp::domain
