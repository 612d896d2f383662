#pragma once
// Creating and revoking API keys from the command line, shared by `apikey` and `studio` (which mints
// a short-lived platform-admin key for the browser and revokes it when it stops). Each change writes
// its audit row (actor_type system, actor_id `actor`) in the same transaction.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/api_key.h"
#include "storage/api_key_store.h"
#include "storage/database.h"
#include "storage/identity_store.h"

namespace mcp::cli {

struct MintedKey {
  storage::ApiKeyRecord record;
  domain::NewApiKey secret;  // secret.secret is the key: shown once, never logged
};

// A new key of `organization` (none: a platform-admin key) with `role`, expiring after
// `lifetime_ms` (none: never). Throws CommandFailed when the organization was deleted meanwhile.
MintedKey mint_api_key(storage::Database& db, const std::optional<storage::OrganizationRecord>& organization,
                       const std::string& name, const std::string& role, std::optional<int64_t> lifetime_ms,
                       std::string_view actor);

struct RevokedKey {
  std::optional<storage::ApiKeyRecord> found;  // as it was before
  bool revoked_now = false;                    // false: not found, or revoked already
};

// Revokes the key with this id (or prefix, when by_prefix).
RevokedKey revoke_api_key(storage::Database& db, const std::string& id_or_prefix, bool by_prefix,
                          std::string_view actor);

}  // namespace mcp::cli
