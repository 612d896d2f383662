#include "domain/api_key_lifecycle.h"
#include "util/nullable_json.h"

namespace mcp::domain {

nlohmann::json audit_view(const storage::ApiKeyRecord& key) {
  return {{"id", key.id},
          {"organization_id", util::nullable_text(key.organization_id)},
          {"name", key.name},
          {"prefix", key.prefix},
          {"role", key.role},
          {"expires_at", util::nullable_time(key.expires_at)},
          {"last_used_at", util::nullable_time(key.last_used_at)},
          {"usage_count", key.usage_count},
          {"revoked_at", util::nullable_time(key.revoked_at)},
          {"created_by", util::nullable_text(key.created_by)},
          {"created_at", util::nullable_time(key.created_at)},
          {"updated_at", util::nullable_time(key.updated_at)}};
}

std::optional<MintedApiKey> mint_api_key(AuditTrail& trail, const KeyToMint& request) {
  storage::Transaction& session = trail.session();
  if (request.organization_id && !storage::lock_live_organization(session, *request.organization_id)) {
    return std::nullopt;
  }
  MintedApiKey minted{{}, generate_api_key()};
  storage::ApiKeyRecord& key = minted.record;
  key.organization_id = request.organization_id;
  key.name = request.name;
  key.prefix = minted.secret.prefix;
  key.key_hash = minted.secret.hash;
  key.role = request.role;
  key.expires_at = request.expires_at;
  key.created_by = request.created_by;
  key.created_at = request.created_at;
  storage::insert_api_key(session, key);
  trail.record(key.organization_id, audit_action::kApiKeyCreated, audit_target::kApiKey, key.id, nullptr,
               audit_view(key));
  return minted;
}

bool revoke_api_key(AuditTrail& trail, const storage::ApiKeyRecord& key, int64_t at) {
  if (key.revoked_at) return false;
  if (!storage::revoke_api_key(trail.session(), key.id, at)) return false;
  storage::ApiKeyRecord after = key;
  after.revoked_at = after.updated_at = at;
  trail.record(key.organization_id, audit_action::kApiKeyRevoked, audit_target::kApiKey, key.id, audit_view(key),
               audit_view(after));
  return true;
}

}  // namespace mcp::domain
