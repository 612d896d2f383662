#include "app/gateway_authorizer.h"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "app/usage_recorder.h"
#include "domain/access_changes.h"
#include "domain/credentials.h"
#include "domain/gateway_decision.h"
#include "domain/jwt_verifier.h"
#include "domain/protected_resource.h"
#include "storage/database.h"
#include "storage/gateway_store.h"
#include "util/crypto.h"
#include "util/json_limits.h"
#include "util/time.h"

namespace mcp::app {

namespace {

// Bumped by invalidate_gateway_cache(): an entry stored under an older generation is a miss.
std::atomic<uint64_t> g_generation{1};

int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<const GatewayOutcome> unauthenticated(std::string detail) {
  auto outcome = std::make_shared<GatewayOutcome>();
  outcome->status = 401;
  outcome->detail = std::move(detail);
  return outcome;
}

std::shared_ptr<const GatewayOutcome> outcome_of(const domain::GatewayDecision& decision, std::string api_key_id) {
  auto outcome = std::make_shared<GatewayOutcome>();
  outcome->status = decision.status;
  outcome->detail = decision.detail;
  outcome->server = decision.server;
  outcome->api_key_id = std::move(api_key_id);
  if (decision.allowed()) {
    outcome->organization_id = decision.organization_id.value_or("");
    outcome->user_id = decision.user_id.value_or("");
    outcome->role = decision.role;
    outcome->tool_policy = decision.tool_policy;
    nlohmann::ordered_json body;
    body["allowed"] = true;
    body["organization_id"] = decision.organization_id ? nlohmann::ordered_json(*decision.organization_id) : nullptr;
    body["user_id"] = decision.user_id ? nlohmann::ordered_json(*decision.user_id) : nullptr;
    body["role"] = decision.role;
    body["server"] = decision.server;
    body["config"] = decision.config;
    outcome->body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return outcome;
}

// The service's config column as an object ({} when absent or not an object).
nlohmann::json config_of(const std::optional<std::string>& text) {
  if (!text) return nlohmann::json::object();
  nlohmann::json config = util::parse_json_limited(*text, util::kMaxStoredJsonDepth).value;
  return config.is_object() ? config : nlohmann::json::object();
}

void fill_server_facts(domain::GatewayFacts& facts, const storage::GatewayServerRow& server) {
  facts.server_found = server.server_id.has_value();
  facts.server_active = server.server_active;
  facts.service_found = server.service_enabled.has_value();
  facts.service_enabled = server.service_enabled.value_or(false);
  if (facts.service_found) facts.config = config_of(server.service_config);
  if (server.service_tool_policy) {
    try {
      facts.tool_policy = domain::parse_tool_policy(
          util::parse_json_limited(*server.service_tool_policy, util::kMaxStoredJsonDepth).value);
    } catch (const domain::InvalidToolPolicy&) {
      // Written only after validation; a row altered by hand that no longer reads denies every tool.
      facts.tool_policy = domain::ToolPolicy{{}, {"*"}, true};
    }
  }
}

std::optional<int64_t> earliest(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

}  // namespace

void invalidate_gateway_cache() { g_generation.fetch_add(1, std::memory_order_acq_rel); }

GatewayAuthorizer::GatewayAuthorizer(storage::Database& db, UsageRecorder& usage, const domain::JwtVerifier* jwt,
                                     Options options)
    : db_(db),
      usage_(usage),
      jwt_(jwt),
      options_(options),
      max_per_shard_(std::max<size_t>(1, options.max_entries / kShards)) {
  domain::listen_for_access_changes(&invalidate_gateway_cache);
}

GatewayAuthorizer::~GatewayAuthorizer() = default;

size_t GatewayAuthorizer::cache_size() {
  size_t total = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

void GatewayAuthorizer::count_use(const GatewayOutcome& outcome, int64_t now_ms) {
  if (!outcome.api_key_id.empty()) usage_.record(outcome.api_key_id, now_ms);
}

std::shared_ptr<const GatewayOutcome> GatewayAuthorizer::authorize(std::string_view credential,
                                                                  const domain::McpEndpoint& endpoint) {
  int64_t now_ms = util::now_ms();
  domain::CredentialShape shape = domain::classify_credential(credential, jwt_ != nullptr);
  if (!shape.kind) return unauthenticated(std::move(shape.refusal));
  if (options_.ttl_ms <= 0) {
    Evaluated evaluated = evaluate(credential, shape, endpoint, now_ms);
    count_use(*evaluated.outcome, now_ms);
    return evaluated.outcome;
  }

  // The cache key: a digest of the credential and the endpoint, never the credential. Slugs hold no
  // newline, so the parts cannot run into each other.
  std::string material;
  material.reserve(credential.size() + 2 + endpoint.server_slug.size() +
                   endpoint.organization_slug.value_or("").size());
  material.append(credential).push_back('\n');
  material.append(endpoint.server_slug);
  if (endpoint.organization_slug) material.append("\n").append(*endpoint.organization_slug);
  std::string key = util::sha256_hex(material);
  static_assert(kShards == 16, "one shard per value of the digest's first hex digit");
  Shard& shard = shards_[key[0] <= '9' ? key[0] - '0' : key[0] - 'a' + 10];

  uint64_t generation = g_generation.load(std::memory_order_acquire);
  int64_t started_ns = steady_now_ns();
  {
    std::lock_guard lock(shard.mutex);
    auto found = shard.entries.find(key);
    if (found != shard.entries.end()) {
      if (found->second.generation == generation && found->second.deadline_ns > started_ns) {
        std::shared_ptr<const GatewayOutcome> outcome = found->second.outcome;
        count_use(*outcome, now_ms);
        return outcome;
      }
      shard.entries.erase(found);
    }
  }

  // A miss: one read. The entry's life is counted from before the read, so that a change committed
  // after the read began is seen by every request from ttl_ms after it at the latest.
  Evaluated evaluated = evaluate(credential, shape, endpoint, now_ms);
  count_use(*evaluated.outcome, now_ms);
  int64_t deadline_ns = started_ns + options_.ttl_ms * 1'000'000;
  if (evaluated.valid_until_ms) {
    deadline_ns = std::min(deadline_ns, started_ns + (*evaluated.valid_until_ms - now_ms) * 1'000'000);
  }
  if (deadline_ns > steady_now_ns()) {
    std::lock_guard lock(shard.mutex);
    // Not stored when invalidate_gateway_cache() ran meanwhile: the read may predate the change.
    if (g_generation.load(std::memory_order_acquire) == generation) {
      if (shard.entries.size() >= max_per_shard_) {
        int64_t now_ns = steady_now_ns();
        std::erase_if(shard.entries, [&](const auto& item) {
          return item.second.deadline_ns <= now_ns || item.second.generation != generation;
        });
        while (shard.entries.size() >= max_per_shard_) shard.entries.erase(shard.entries.begin());
      }
      shard.entries.insert_or_assign(std::move(key), Entry{evaluated.outcome, deadline_ns, generation});
    }
  }
  return evaluated.outcome;
}

GatewayAuthorizer::Evaluated GatewayAuthorizer::evaluate(std::string_view credential,
                                                         const domain::CredentialShape& shape,
                                                         const domain::McpEndpoint& endpoint, int64_t now_ms) {
  if (shape.kind == domain::CredentialKind::Token) return evaluate_session_token(credential, endpoint, now_ms);
  return evaluate_api_key(credential, shape.api_key_prefix, endpoint, now_ms);
}

GatewayAuthorizer::Evaluated GatewayAuthorizer::evaluate_api_key(std::string_view credential,
                                                                 const std::string& prefix,
                                                                 const domain::McpEndpoint& endpoint, int64_t now_ms) {
  const std::string& slug = endpoint.server_slug;
  auto row = storage::read_value(db_, [&](storage::Transaction& session) {
    return storage::find_gateway_key(session, prefix, slug);
  });
  std::optional<domain::StoredApiKeyState> stored;
  if (row) stored = domain::StoredApiKeyState{row->key_hash, row->revoked_at, row->expires_at};
  if (auto refusal = domain::api_key_refusal(credential, stored, now_ms)) return {unauthenticated(*refusal), {}};
  domain::Principal principal = domain::api_key_principal(row->id, row->organization_id, row->role);

  domain::GatewayFacts facts;
  facts.organization_deleted = row->organization_id && (!row->organization_found || row->organization_deleted_at);
  facts.uri_organization = endpoint.organization_slug;
  facts.uri_organization_other = row->organization_id && row->organization_slug != endpoint.organization_slug;
  fill_server_facts(facts, row->server);
  // An expiry set in the future ends the entry's life when it comes.
  return {outcome_of(domain::decide_gateway_access(principal, facts, slug), row->id), row->expires_at};
}

GatewayAuthorizer::Evaluated GatewayAuthorizer::evaluate_session_token(std::string_view token,
                                                                       const domain::McpEndpoint& endpoint,
                                                                       int64_t now_ms) {
  const std::string& slug = endpoint.server_slug;
  domain::SessionClaims claims;
  try {
    claims = jwt_->verify(token, now_ms);
  } catch (const domain::TokenRejected& e) {
    return {unauthenticated(e.what()), {}};
  }
  bool access_token = claims.kind == domain::TokenKind::Access;
  if (access_token) {
    std::optional<std::string> resource;
    if (options_.public_url) resource = domain::resource_url(*options_.public_url, endpoint);
    if (auto refusal = domain::access_token_refusal(claims, resource, options_.allow_missing_audience)) {
      return {unauthenticated(*refusal), {}};
    }
  }
  // The organization: the token's claim; else the organization-scoped URI's; else, for a session
  // token, its session's active one; else, for an access token, the user's only live organization
  // with the server enabled.
  bool ambiguous = false;
  auto row = storage::read_value(db_, [&](storage::Transaction& session) -> std::optional<storage::GatewayUserRow> {
    if (claims.org_id) {
      return storage::find_gateway_user_by_organization(session, claims.subject, *claims.org_id,
                                                        claims.session_id.value_or(""), slug);
    }
    if (endpoint.organization_slug) {
      return storage::find_gateway_user_by_organization_slug(session, claims.subject, *endpoint.organization_slug,
                                                             claims.session_id.value_or(""), slug);
    }
    if (!access_token) {
      return storage::find_gateway_user_by_session(session, claims.subject, claims.session_id.value_or(""), now_ms,
                                                   slug);
    }
    auto candidates = storage::find_gateway_user_by_enabled_membership(session, claims.subject, slug);
    if (candidates.empty()) return std::nullopt;
    ambiguous = candidates.size() > 1;
    return candidates.front();
  });
  if (auto refusal = domain::token_refusal(row.has_value(), row && row->user_deleted_at,
                                           row ? row->session_clerk_status : std::nullopt)) {
    return {unauthenticated(*refusal), claims.expires_at_ms};
  }
  domain::Principal principal = domain::token_principal(claims, row->user_id);

  domain::GatewayFacts facts;
  facts.organization_deleted = row->organization_id && row->organization_deleted_at;
  bool live_organization = row->organization_id && !row->organization_deleted_at;
  if (live_organization && row->membership_role) {
    principal.organization_id = row->organization_id;
    principal.role = *row->membership_role;
  }
  // A token naming an organization the user is not (or no longer) a member of.
  facts.not_a_member = live_organization && !row->membership_role;
  facts.uri_organization = endpoint.organization_slug;
  facts.uri_organization_other = !live_organization || !row->membership_role ||
                                 row->organization_slug != endpoint.organization_slug;
  facts.organization_ambiguous = ambiguous;
  fill_server_facts(facts, row->server);
  return {outcome_of(domain::decide_gateway_access(principal, facts, slug), ""),
          earliest(claims.expires_at_ms, row->session_expires_at)};
}

}  // namespace mcp::app
