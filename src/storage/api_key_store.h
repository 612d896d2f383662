#pragma once
// api_keys: organization-scoped (or platform-wide) API keys, stored as prefix + SHA-256.
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace mcp::storage {

struct ApiKeyRecord {
  std::string id;
  std::optional<std::string> organization_id;  // NULL: platform admin
  std::string name;
  std::string prefix;
  std::string key_hash;
  std::string role = "MEMBER";
  std::optional<int64_t> expires_at;
  std::optional<int64_t> last_used_at;
  int64_t usage_count = 0;
  std::optional<int64_t> revoked_at;
  std::optional<std::string> created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// Inserts with a new id (set on the record) and created_at = updated_at = key.created_at, or now when
// that is 0 (set on the record). UniqueViolation if the prefix exists.
void insert_api_key(Transaction& session, ApiKeyRecord& key);
// Inserts unless a key with the prefix exists (a revoked bootstrap key stays revoked); true when it inserted.
bool insert_api_key_if_absent(Transaction& session, ApiKeyRecord& key);

std::optional<ApiKeyRecord> find_api_key_by_prefix(Transaction& session, const std::string& prefix);
std::optional<ApiKeyRecord> find_api_key(Transaction& session, const std::string& id);

// Keys of one organization (nullopt: the platform keys), by id, after `after_id` when given.
std::vector<ApiKeyRecord> list_api_keys(Transaction& session, const std::optional<std::string>& organization_id,
                                        const std::optional<std::string>& after_id, int limit);
// Every key, by id (the CLI's list).
std::vector<ApiKeyRecord> list_all_api_keys(Transaction& session, const std::optional<std::string>& after_id, int limit);

// revoked_at := at unless already revoked; true when it changed.
bool revoke_api_key(Transaction& session, const std::string& id, int64_t at);

// Whether the organization exists and is not deleted. On PostgreSQL it also holds the row (FOR SHARE)
// until the transaction ends, so that a key created now and an organization deletion on another
// instance cannot miss each other: either the deletion waits and its cascade revokes the new key,
// or the key's creation sees the deletion.
bool lock_live_organization(Transaction& session, const std::string& organization_id);

// Adds uses counted off the request path: usage_count += count, last_used_at := max(last_used_at, at).
void add_api_key_usage(Transaction& session, const std::string& id, int64_t count, int64_t at);

}  // namespace mcp::storage
