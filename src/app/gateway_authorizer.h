#pragma once
// Gateway authorization with a decision cache (README "Gateway authorization"): on every MCP request's path, so a
// repeated (credential, server) pair is answered from memory, and a change in the database (key
// revoked, service disabled, server deactivated, member removed) takes effect on EVERY instance
// within one second:
//
//   * an entry lives at most kGatewayCacheTtlMs (500 ms) counted from the moment its database read
//     STARTED, and never past the key's expires_at / revoked_at, the token's exp or the session's end;
//   * invalidate_gateway_cache() (process-wide) drops every entry at once, for changes made by this
//     process: it listens to domain::announce_access_change() (src/domain/access_changes.h), which
//     the admin API, webhook deliveries and clerk sync call after each commit that can alter a
//     decision; entries being computed while it runs are not stored;
//   * keyed by SHA-256 of (credential, slug): the credential itself is never kept. A hit proves the
//     caller presented the same credential (the digest is collision-resistant);
//   * bounded: at most max_entries (default 16 384) entries, in shards; a full shard drops its
//     expired entries, then arbitrary ones.
//
// Who the caller is follows the rules of src/domain/credentials.h, as on the admin API (401 when they
// refuse), read in one statement with the server and the service (storage/gateway_store.h); what
// the caller may do is domain::decide_gateway_access's (403 or allowed). API-key uses are counted through the
// UsageRecorder on hits too (no database write per request).
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "domain/mcp_endpoint.h"
#include "domain/tool_policy.h"

namespace mcp::storage {
class Database;
}
namespace mcp::domain {
class JwtVerifier;
struct CredentialShape;
}

namespace mcp::app {

class UsageRecorder;

inline constexpr int64_t kGatewayCacheTtlMs = 500;

// One answer of the gateway, shared by every request the cache serves it to. Immutable.
struct GatewayOutcome {
  int status = 401;  // 200, 401 or 403
  std::string detail;  // why not (safe for the client; never holds the credential)
  std::string organization_id;  // empty: none (platform admin)
  std::string user_id;          // empty: not a user
  std::string role;
  std::string server;
  std::string body;  // the 200 body, serialized once: {"allowed":true,…}
  std::string api_key_id;  // the key whose use each answer counts; empty for tokens and 401s
  domain::ToolPolicy tool_policy;  // 200: what each MCP request is held to (domain::decide_tool_access)
};

// Drops every cached decision of every GatewayAuthorizer in the process (call after a local change
// that must show at once: a key revoked, a service disabled, …). Cheap: one atomic increment.
void invalidate_gateway_cache();

class GatewayAuthorizer {
 public:
  struct Options {
    int64_t ttl_ms = kGatewayCacheTtlMs;  // 0: no cache
    size_t max_entries = 16384;
    // OAuth access tokens (at+jwt): their audience must name <public_url>/mcp/{server}; without a
    // public URL they are refused. MCP_ADMIN_OAUTH_ALLOW_MISSING_AUDIENCE lets a token without aud in.
    std::optional<std::string> public_url;
    bool allow_missing_audience = false;
  };

  // `jwt` may be null (no CLERK_JWT_KEY / CLERK_JWKS_FILE: session tokens are refused).
  GatewayAuthorizer(storage::Database& db, UsageRecorder& usage, const domain::JwtVerifier* jwt, Options options);
  GatewayAuthorizer(storage::Database& db, UsageRecorder& usage, const domain::JwtVerifier* jwt)
      : GatewayAuthorizer(db, usage, jwt, Options{}) {}
  ~GatewayAuthorizer();
  GatewayAuthorizer(const GatewayAuthorizer&) = delete;
  GatewayAuthorizer& operator=(const GatewayAuthorizer&) = delete;

  // The answer for the credential (as presented; empty: none) at the endpoint (valid slugs,
  // domain::is_server_slug). Throws storage::Unavailable / storage::Conflict when a needed read fails.
  std::shared_ptr<const GatewayOutcome> authorize(std::string_view credential, const domain::McpEndpoint& endpoint);

  // Entries held now (expired ones included until swept).
  size_t cache_size();

 private:
  struct Entry {
    std::shared_ptr<const GatewayOutcome> outcome;
    int64_t deadline_ns = 0;  // steady clock
    uint64_t generation = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
  };
  static constexpr size_t kShards = 16;

  // An outcome computed from the database, and until when (wall clock ms) it may be reused at most
  // (besides the TTL); nullopt: no bound of its own.
  struct Evaluated {
    std::shared_ptr<const GatewayOutcome> outcome;
    std::optional<int64_t> valid_until_ms;
  };
  Evaluated evaluate(std::string_view credential, const domain::CredentialShape& shape,
                     const domain::McpEndpoint& endpoint, int64_t now_ms);
  Evaluated evaluate_api_key(std::string_view credential, const std::string& prefix,
                             const domain::McpEndpoint& endpoint, int64_t now_ms);
  Evaluated evaluate_session_token(std::string_view token, const domain::McpEndpoint& endpoint, int64_t now_ms);
  void count_use(const GatewayOutcome& outcome, int64_t now_ms);

  storage::Database& db_;
  UsageRecorder& usage_;
  const domain::JwtVerifier* jwt_;
  Options options_;
  size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace mcp::app
