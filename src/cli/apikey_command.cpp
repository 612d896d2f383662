// apikey create | list | revoke: API keys from the operator's shell. The only way, besides
// MCP_ADMIN_BOOTSTRAP_KEY, to make a platform-admin key (--platform). Every change writes its
// audit row (actor_type system, actor_id "cli") in the same transaction.
#include <algorithm>
#include <cctype>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/command_line.h"
#include "cli/api_key_actions.h"
#include "cli/commands.h"
#include "domain/api_key.h"
#include "domain/api_key_lifecycle.h"
#include "domain/audit_trail.h"
#include "storage/api_key_store.h"
#include "storage/errors.h"
#include "storage/identity_store.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "util/time.h"

namespace mcp::cli {

namespace {

using json = nlohmann::json;

constexpr const char* kActor = "cli";
constexpr size_t kMaxNameLength = 256;
constexpr int64_t kMaxLifetimeMs = int64_t{100} * 365 * 86'400'000;
constexpr int kListBatch = 500;

// The same shape as the admin API's (never the hash).
json key_json(const storage::ApiKeyRecord& key) { return domain::audit_view(key); }

const char* key_status(const storage::ApiKeyRecord& key, int64_t now_ms) {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && *key.expires_at <= now_ms) return "expired";
  return "active";
}

// The CLI's changes are the system's, named by the command (`cli`, `studio`).
domain::AuditActor cli_actor(std::string_view actor) { return domain::AuditActor{"system", std::string(actor), {}, {}, {}, {}}; }

}  // namespace

MintedKey mint_api_key(storage::Database& db, const std::optional<storage::OrganizationRecord>& organization,
                       const std::string& name, const std::string& role, std::optional<int64_t> lifetime_ms,
                       std::string_view actor) {
  domain::KeyToMint request;
  if (organization) request.organization_id = organization->id;
  request.name = name;
  request.role = role;
  request.created_at = util::now_ms();  // the time the lifetime counts from
  if (lifetime_ms) request.expires_at = request.created_at + *lifetime_ms;
  request.created_by = std::string(actor);
  auto minted = storage::write_value(db, [&](storage::Transaction& session) {
    domain::AuditTrail trail(session, cli_actor(actor));
    return domain::mint_api_key(trail, request);
  });
  if (!minted) throw CommandFailed("organization '" + organization->clerk_id + "' is deleted");
  return MintedKey{minted->record, minted->secret};
}

RevokedKey revoke_api_key(storage::Database& db, const std::string& id_or_prefix, bool by_prefix,
                          std::string_view actor) {
  RevokedKey result;
  int64_t now = util::now_ms();
  db.write([&](storage::Transaction& session) {
    result = {};  // a retried write starts again
    result.found = by_prefix ? storage::find_api_key_by_prefix(session, id_or_prefix)
                             : storage::find_api_key(session, id_or_prefix);
    if (!result.found) return;
    domain::AuditTrail trail(session, cli_actor(actor));
    result.revoked_now = domain::revoke_api_key(trail, *result.found, now);
  });
  return result;
}

namespace {

std::unique_ptr<storage::Database> open_migrated(const app::Config& config) {
  try {
    auto db = storage::open_database(config.database, config.db_pool_size);
    storage::apply_migrations(*db, storage::embedded_migrations());
    return db;
  } catch (const storage::StorageError& e) {
    throw CommandFailed(e.what());
  }
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// The organization --org names (internal or Clerk id); CommandFailed when there is none.
storage::OrganizationRecord find_organization(storage::Database& db, const std::string& org) {
  auto organization = storage::read_value(db, [&](storage::Transaction& session) {
    return storage::find_organization_by_any_id(session, org);
  });
  if (!organization) throw CommandFailed("no organization with id or Clerk id '" + org + "'");
  return *organization;
}

int create(const po::variables_map& vm) {
  bool platform = vm.count("platform") > 0;
  if (platform == (vm.count("org") > 0)) {
    throw UsageError("apikey create: give --org ORG (an organization's key) or --platform (a platform-admin key)");
  }
  if (!vm.count("name")) throw UsageError("apikey create: --name NAME is required");
  std::string name = vm["name"].as<std::string>();
  if (name.empty() || name.size() > kMaxNameLength) {
    throw UsageError("apikey create: --name must be 1 to " + std::to_string(kMaxNameLength) + " characters");
  }
  std::string role = platform ? "ADMIN" : "MEMBER";
  if (vm.count("role")) {
    if (platform) throw UsageError("apikey create: --role does not apply to --platform keys (they are above every role)");
    role = upper(vm["role"].as<std::string>());
    if (role != "ADMIN" && role != "MEMBER" && role != "VIEWER") {
      throw UsageError("apikey create: --role must be ADMIN, MEMBER or VIEWER");
    }
  }
  std::optional<int64_t> lifetime_ms;
  if (vm.count("expires-in")) {
    lifetime_ms = util::parse_duration_ms(vm["expires-in"].as<std::string>());
    if (!lifetime_ms || *lifetime_ms > kMaxLifetimeMs) {
      throw UsageError("apikey create: --expires-in must be a number and a unit (30s, 15m, 12h, 90d), at most 36500d");
    }
  }
  bool as_json = vm.count("json") > 0;
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  auto db = open_migrated(config);

  std::optional<storage::OrganizationRecord> organization;
  if (!platform) {
    organization = find_organization(*db, vm["org"].as<std::string>());
    if (organization->deleted_at) throw CommandFailed("organization '" + vm["org"].as<std::string>() + "' is deleted");
  }
  MintedKey minted = mint_api_key(*db, organization, name, role, lifetime_ms, kActor);
  db->close();
  const storage::ApiKeyRecord& key = minted.record;
  const domain::NewApiKey& secret = minted.secret;

  if (as_json) {
    json answer = key_json(key);
    answer["key"] = secret.secret;
    std::cout << answer.dump() << std::endl;
  } else {
    std::cout << secret.secret << std::endl;
  }
  std::cerr << "created API key " << key.id << " (prefix " << key.prefix << ") "
            << (organization ? "for organization " + organization->clerk_id + ", role " + role
                             : std::string("with platform-admin rights"))
            << (key.expires_at ? ", expires " + util::format_iso8601_ms(*key.expires_at) : std::string(", never expires"))
            << "\nthe key is shown only now: store it in a secret manager" << std::endl;
  return 0;
}

int list(const po::variables_map& vm) {
  bool platform = vm.count("platform") > 0;
  if (platform && vm.count("org")) throw UsageError("apikey list: give --org ORG or --platform, not both");
  for (const char* flag : {"name", "role", "expires-in"}) {
    if (vm.count(flag)) throw UsageError(std::string("apikey list: --") + flag + " applies to create only");
  }
  bool as_json = vm.count("json") > 0;
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  auto db = open_migrated(config);
  std::optional<std::string> organization_id;
  if (vm.count("org")) organization_id = find_organization(*db, vm["org"].as<std::string>()).id;

  std::vector<storage::ApiKeyRecord> keys;
  std::map<std::string, std::string> clerk_ids;  // organization id → Clerk id, for the table
  db->read([&](storage::Transaction& session) {
    keys.clear();
    std::optional<std::string> after;
    while (true) {
      auto batch = organization_id || platform ? storage::list_api_keys(session, organization_id, after, kListBatch)
                                               : storage::list_all_api_keys(session, after, kListBatch);
      keys.insert(keys.end(), batch.begin(), batch.end());
      if (batch.size() < static_cast<size_t>(kListBatch)) break;
      after = batch.back().id;
    }
    for (const auto& key : keys) {
      if (!key.organization_id || clerk_ids.count(*key.organization_id)) continue;
      auto organization = storage::find_organization(session, *key.organization_id);
      clerk_ids[*key.organization_id] = organization ? organization->clerk_id : *key.organization_id;
    }
  });
  db->close();

  int64_t now = util::now_ms();
  if (as_json) {
    json rows = json::array();
    for (const auto& key : keys) {
      json row = key_json(key);
      row["status"] = key_status(key, now);
      rows.push_back(std::move(row));
    }
    std::cout << json{{"data", std::move(rows)}}.dump() << std::endl;
    return 0;
  }
  std::ostringstream out;
  auto cell = [&](const std::string& text, size_t width) { out << std::left << std::setw(static_cast<int>(width)) << text << "  "; };
  cell("ID", 36), cell("PREFIX", 16), cell("ORGANIZATION", 24), cell("ROLE", 8), cell("STATUS", 8);
  cell("EXPIRES", 24), cell("LAST USED", 24), cell("USES", 8);
  out << "NAME\n";
  for (const auto& key : keys) {
    cell(key.id, 36), cell(key.prefix, 16);
    cell(key.organization_id ? clerk_ids[*key.organization_id] : "(platform)", 24);
    cell(key.organization_id ? key.role : "-", 8), cell(key_status(key, now), 8);
    cell(key.expires_at ? util::format_iso8601_ms(*key.expires_at) : "never", 24);
    cell(key.last_used_at ? util::format_iso8601_ms(*key.last_used_at) : "never", 24);
    cell(std::to_string(key.usage_count), 8);
    out << key.name << "\n";
  }
  out << keys.size() << " key" << (keys.size() == 1 ? "" : "s") << "\n";
  std::cout << out.str() << std::flush;
  return 0;
}

int revoke(const po::variables_map& vm) {
  if (!vm.count("id")) throw UsageError("apikey revoke: give the key's id or prefix: apikey revoke ID");
  for (const char* flag : {"org", "name", "role", "expires-in", "platform"}) {
    if (vm.count(flag)) throw UsageError(std::string("apikey revoke: --") + flag + " does not apply to revoke");
  }
  std::string given = vm["id"].as<std::string>();
  // The id, the prefix, or a whole (leaked) key: only its prefix is used, and it is never echoed.
  std::optional<std::string> prefix;
  if (given.rfind(domain::kApiKeyMarker, 0) == 0) {
    prefix = given.size() > domain::kApiKeyPrefixLength ? domain::api_key_prefix(given) : given;
    if (!prefix) throw UsageError("apikey revoke: that is not an API key, an id or a prefix");
  }
  std::string shown = prefix ? *prefix : given;
  app::Config config = load_config(vm, kDatabaseFlag | kLoggingFlags);
  auto db = open_migrated(config);
  RevokedKey result = revoke_api_key(*db, prefix ? *prefix : given, prefix.has_value(), kActor);
  db->close();
  const std::optional<storage::ApiKeyRecord>& found = result.found;
  bool revoked_now = result.revoked_now;
  if (!found) throw CommandFailed("no API key with id or prefix '" + shown + "'");
  if (!revoked_now) {
    std::cout << "API key " << found->id << " (prefix " << found->prefix << ") was already revoked"
              << (found->revoked_at ? " at " + util::format_iso8601_ms(*found->revoked_at) : std::string()) << std::endl;
    return 0;
  }
  std::cout << "revoked API key " << found->id << " (prefix " << found->prefix << ")" << std::endl;
  return 0;
}

}  // namespace

int run_apikey(const Args& args) {
  CommandSpec spec{
      "apikey",
      "apikey create --org ORG --name NAME [--role ADMIN|MEMBER|VIEWER] [--expires-in 90d] [--json]\n"
      "       mcp-admin apikey create --platform --name NAME [--expires-in 90d] [--json]\n"
      "       mcp-admin apikey list [--org ORG | --platform] [--json]\n"
      "       mcp-admin apikey revoke ID",
      "Creates, lists and revokes API keys. ORG is an organization's internal id or Clerk id (org_...).\n"
      "create prints the new key on stdout (with --json: the key's JSON with a \"key\" member) and is\n"
      "the only time it is shown; --platform makes a platform-admin key (no organization). revoke takes\n"
      "the key's id or prefix (mcp_sk_...); revoking a revoked key changes nothing and exits 0."};
  po::options_description options("Options");
  options.add_options()("action", po::value<std::string>(), "create | list | revoke")(
      "id", po::value<std::string>()->value_name("ID"), "revoke: the key's id or prefix")(
      "org", po::value<std::string>()->value_name("ORG"), "the organization (internal or Clerk id)")(
      "platform", "create: a platform-admin key; list: only platform keys")(
      "name", po::value<std::string>()->value_name("NAME"), "create: what the key is for")(
      "role", po::value<std::string>()->value_name("ROLE"), "create: ADMIN, MEMBER (default) or VIEWER")(
      "expires-in", po::value<std::string>()->value_name("DURATION"), "create: lifetime, e.g. 90d (default: never)")(
      "json", "print JSON instead of text");
  add_settings_options(options, kDatabaseFlag | kLoggingFlags);
  po::positional_options_description positional;
  positional.add("action", 1).add("id", 1);
  po::variables_map vm;
  if (!parse_command(spec, options, positional, args, vm)) return 0;
  std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  if (action != "revoke" && vm.count("id")) {
    throw UsageError("apikey " + action + ": unexpected extra argument (only revoke takes one)");
  }
  if (action == "create") return create(vm);
  if (action == "list") return list(vm);
  if (action == "revoke") return revoke(vm);
  throw UsageError(action.empty() ? "apikey: expected create, list or revoke (see mcp-admin apikey --help)"
                                  : "apikey: unknown action '" + action + "' (create, list or revoke)");
}

}  // namespace mcp::cli
