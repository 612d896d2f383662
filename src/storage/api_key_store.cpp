#include "storage/api_key_store.h"

#include "util/ids.h"
#include "util/time.h"

namespace mcp::storage {

namespace {

#define MCP_API_KEY_COLUMNS                                                                                    \
  "id, organization_id, name, prefix, key_hash, role, expires_at, last_used_at, usage_count, revoked_at, " \
  "created_by, created_at, updated_at"

constexpr Query kInsertApiKey{"insert_api_key",
                              "INSERT INTO api_keys (" MCP_API_KEY_COLUMNS
                              ") VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 0, NULL, $8, $9, $9)"};
constexpr Query kInsertApiKeyIfAbsent{"insert_api_key_if_absent",
                                      "INSERT INTO api_keys (" MCP_API_KEY_COLUMNS
                                      ") VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 0, NULL, $8, $9, $9) "
                                      "ON CONFLICT (prefix) DO NOTHING"};
constexpr Query kFindApiKeyByPrefix{"find_api_key_by_prefix",
                                    "SELECT " MCP_API_KEY_COLUMNS " FROM api_keys WHERE prefix = $1"};
constexpr Query kFindApiKey{"find_api_key", "SELECT " MCP_API_KEY_COLUMNS " FROM api_keys WHERE id = $1"};
constexpr Query kListOrganizationApiKeys{"list_organization_api_keys",
                                         "SELECT " MCP_API_KEY_COLUMNS
                                         " FROM api_keys WHERE organization_id = $1 AND id > $2 ORDER BY id LIMIT $3"};
constexpr Query kListPlatformApiKeys{"list_platform_api_keys",
                                     "SELECT " MCP_API_KEY_COLUMNS
                                     " FROM api_keys WHERE organization_id IS NULL AND id > $1 ORDER BY id LIMIT $2"};
constexpr Query kListAllApiKeys{"list_all_api_keys",
                                "SELECT " MCP_API_KEY_COLUMNS " FROM api_keys WHERE id > $1 ORDER BY id LIMIT $2"};
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

#undef MCP_API_KEY_COLUMNS

ApiKeyRecord api_key_from(const Row& row) {
  ApiKeyRecord key;
  key.id = row.text(0);
  key.organization_id = row.opt_text(1);
  key.name = row.text(2);
  key.prefix = row.text(3);
  key.key_hash = row.text(4);
  key.role = row.text(5);
  key.expires_at = row.opt_int64(6);
  key.last_used_at = row.opt_int64(7);
  key.usage_count = row.int64(8);
  key.revoked_at = row.opt_int64(9);
  key.created_by = row.opt_text(10);
  key.created_at = row.int64(11);
  key.updated_at = row.int64(12);
  return key;
}

std::vector<ApiKeyRecord> api_keys_from(const Rows& rows) {
  std::vector<ApiKeyRecord> keys;
  keys.reserve(rows.size());
  for (const Row& row : rows) keys.push_back(api_key_from(row));
  return keys;
}

int64_t insert_with(Session& session, const Query& query, ApiKeyRecord& key) {
  key.id = util::new_uuid_v7();
  if (key.created_at == 0) key.created_at = util::now_ms();
  key.updated_at = key.created_at;
  Value params[] = {key.id,  opt(key.organization_id), key.name,          key.prefix,
                    key.key_hash, key.role,            opt(key.expires_at), opt(key.created_by),
                    key.created_at};
  return session.execute(query, params);
}

}  // namespace

void insert_api_key(Session& session, ApiKeyRecord& key) { insert_with(session, kInsertApiKey, key); }

bool insert_api_key_if_absent(Session& session, ApiKeyRecord& key) {
  return insert_with(session, kInsertApiKeyIfAbsent, key) > 0;
}

std::optional<ApiKeyRecord> find_api_key_by_prefix(Session& session, const std::string& prefix) {
  Value params[] = {prefix};
  Rows rows = session.query(kFindApiKeyByPrefix, params);
  if (rows.empty()) return std::nullopt;
  return api_key_from(rows.front());
}

std::optional<ApiKeyRecord> find_api_key(Session& session, const std::string& id) {
  Value params[] = {id};
  Rows rows = session.query(kFindApiKey, params);
  if (rows.empty()) return std::nullopt;
  return api_key_from(rows.front());
}

std::vector<ApiKeyRecord> list_api_keys(Session& session, const std::optional<std::string>& organization_id,
                                        const std::optional<std::string>& after_id, int limit) {
  std::string after = after_id.value_or("");
  if (organization_id) {
    Value params[] = {*organization_id, after, int64_t{limit}};
    return api_keys_from(session.query(kListOrganizationApiKeys, params));
  }
  Value params[] = {after, int64_t{limit}};
  return api_keys_from(session.query(kListPlatformApiKeys, params));
}

std::vector<ApiKeyRecord> list_all_api_keys(Session& session, const std::optional<std::string>& after_id, int limit) {
  Value params[] = {after_id.value_or(""), int64_t{limit}};
  return api_keys_from(session.query(kListAllApiKeys, params));
}

bool revoke_api_key(Session& session, const std::string& id, int64_t at) {
  Value params[] = {id, at};
  return session.execute(kRevokeApiKey, params) > 0;
}

bool lock_live_organization(Session& session, const std::string& organization_id) {
  Value params[] = {organization_id};
  const Query& query =
      session.engine() == Engine::Postgres ? kLockLiveOrganizationPostgres : kLockLiveOrganizationSqlite;
  return !session.query(query, params).empty();
}

void add_api_key_usage(Session& session, const std::string& id, int64_t count, int64_t at) {
  Value params[] = {id, count, at};
  session.execute(kAddApiKeyUsage, params);
}

}  // namespace mcp::storage
