#include "storage/api_key_store.h"

#include "storage/registry_columns.h"
#include "util/ids.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_API_KEYS "SELECT " MCP_SELECT_COLUMNS(MCP_API_KEY_COLUMNS, k) " FROM api_keys k "

constexpr Query kInsertApiKey{"insert_api_key",
                              "INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, role, expires_at, "
                              "last_used_at, usage_count, revoked_at, created_by, created_at, updated_at) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 0, NULL, $8, $9, $9)"};
constexpr Query kInsertApiKeyIfAbsent{"insert_api_key_if_absent",
                                      "INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, role, "
                                      "expires_at, last_used_at, usage_count, revoked_at, created_by, created_at, "
                                      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 0, NULL, $8, $9, $9) "
                                      "ON CONFLICT (prefix) DO NOTHING"};
constexpr Query kFindApiKeyByPrefix{"find_api_key_by_prefix", MCP_API_KEYS "WHERE k.prefix = $1"};
constexpr Query kFindApiKey{"find_api_key", MCP_API_KEYS "WHERE k.id = $1"};
constexpr Query kListOrganizationApiKeys{
    "list_organization_api_keys", MCP_API_KEYS "WHERE k.organization_id = $1 AND k.id > $2 ORDER BY k.id LIMIT $3"};
constexpr Query kListPlatformApiKeys{
    "list_platform_api_keys", MCP_API_KEYS "WHERE k.organization_id IS NULL AND k.id > $1 ORDER BY k.id LIMIT $2"};
constexpr Query kListAllApiKeys{"list_all_api_keys", MCP_API_KEYS "WHERE k.id > $1 ORDER BY k.id LIMIT $2"};
constexpr Query kRevokeApiKey{"revoke_api_key",
                              "UPDATE api_keys SET revoked_at = $2, updated_at = $2 WHERE id = $1 AND revoked_at IS NULL"};
constexpr Query kAddApiKeyUsage{
    "add_api_key_usage",
    "UPDATE api_keys SET usage_count = usage_count + $2, "
    "last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $3 THEN $3 ELSE last_used_at END WHERE id = $1"};

// Engine-specific by nature: SQLite has one writer and no FOR SHARE.
constexpr Query kLockLiveOrganizationPostgres{
    "lock_live_organization_postgres", "SELECT id FROM organizations WHERE id = $1 AND deleted_at IS NULL FOR SHARE"};
constexpr Query kLockLiveOrganizationSqlite{"lock_live_organization_sqlite",
                                            "SELECT id FROM organizations WHERE id = $1 AND deleted_at IS NULL"};

#undef MCP_API_KEYS

// Reads the columns of registry_columns.h, by name.
ApiKeyRecord api_key_from(const Row& row) {
  namespace c = api_key_column;
  ApiKeyRecord key;
  key.id = row.text(c::id);
  key.organization_id = row.opt_text(c::organization_id);
  key.name = row.text(c::name);
  key.prefix = row.text(c::prefix);
  key.key_hash = row.text(c::key_hash);
  key.role = row.text(c::role);
  key.expires_at = row.opt_int64(c::expires_at);
  key.last_used_at = row.opt_int64(c::last_used_at);
  key.usage_count = row.int64(c::usage_count);
  key.revoked_at = row.opt_int64(c::revoked_at);
  key.created_by = row.opt_text(c::created_by);
  key.created_at = row.int64(c::created_at);
  key.updated_at = row.int64(c::updated_at);
  return key;
}

std::vector<ApiKeyRecord> api_keys_from(const Rows& rows) {
  std::vector<ApiKeyRecord> keys;
  keys.reserve(rows.size());
  for (const Row& row : rows) keys.push_back(api_key_from(row));
  return keys;
}

int64_t insert_with(Transaction& session, const Query& query, ApiKeyRecord& key) {
  key.id = util::new_uuid_v7();
  if (key.created_at == 0) key.created_at = util::now_ms();
  key.updated_at = key.created_at;
  Value params[] = {key.id,  opt(key.organization_id), key.name,          key.prefix,
                    key.key_hash, key.role,            opt(key.expires_at), opt(key.created_by),
                    key.created_at};
  return session.execute(query, params);
}

}  // namespace

void insert_api_key(Transaction& session, ApiKeyRecord& key) { insert_with(session, kInsertApiKey, key); }

bool insert_api_key_if_absent(Transaction& session, ApiKeyRecord& key) {
  return insert_with(session, kInsertApiKeyIfAbsent, key) > 0;
}

std::optional<ApiKeyRecord> find_api_key_by_prefix(Transaction& session, const std::string& prefix) {
  Value params[] = {prefix};
  Rows rows = session.query(kFindApiKeyByPrefix, params);
  if (rows.empty()) return std::nullopt;
  return api_key_from(rows.front());
}

std::optional<ApiKeyRecord> find_api_key(Transaction& session, const std::string& id) {
  Value params[] = {id};
  Rows rows = session.query(kFindApiKey, params);
  if (rows.empty()) return std::nullopt;
  return api_key_from(rows.front());
}

std::vector<ApiKeyRecord> list_api_keys(Transaction& session, const std::optional<std::string>& organization_id,
                                        const std::optional<std::string>& after_id, int limit) {
  std::string after = after_id.value_or("");
  if (organization_id) {
    Value params[] = {*organization_id, after, int64_t{limit}};
    return api_keys_from(session.query(kListOrganizationApiKeys, params));
  }
  Value params[] = {after, int64_t{limit}};
  return api_keys_from(session.query(kListPlatformApiKeys, params));
}

std::vector<ApiKeyRecord> list_all_api_keys(Transaction& session, const std::optional<std::string>& after_id, int limit) {
  Value params[] = {after_id.value_or(""), int64_t{limit}};
  return api_keys_from(session.query(kListAllApiKeys, params));
}

bool revoke_api_key(Transaction& session, const std::string& id, int64_t at) {
  Value params[] = {id, at};
  return session.execute(kRevokeApiKey, params) > 0;
}

bool lock_live_organization(Transaction& session, const std::string& organization_id) {
  Value params[] = {organization_id};
  const Query& query =
      session.engine() == Engine::Postgres ? kLockLiveOrganizationPostgres : kLockLiveOrganizationSqlite;
  return !session.query(query, params).empty();
}

void add_api_key_usage(Transaction& session, const std::string& id, int64_t count, int64_t at) {
  Value params[] = {id, count, at};
  session.execute(kAddApiKeyUsage, params);
}

}  // namespace mcp::storage
