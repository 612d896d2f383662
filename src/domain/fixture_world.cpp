#include "domain/fixture_world.h"

#include <algorithm>
#include <map>
#include <set>

#include "domain/api_key.h"
#include "domain/audit_trail.h"
#include "storage/api_key_store.h"
#include "storage/identity_store.h"
#include "storage/mcp_server_store.h"
#include "storage/service_store.h"
#include "util/ids.h"
#include "util/time.h"

namespace mcp::domain {

namespace {

using nlohmann::json;

// One object of the document, read field by field with its path for errors.
class Entry {
 public:
  Entry(const json& value, std::string path) : value_(value), path_(std::move(path)) {
    if (!value_.is_object()) throw FixtureError(path_, "must be an object");
  }
  const std::string& path() const { return path_; }
  std::string at(const std::string& field) const { return path_ + "." + field; }
  bool has(const std::string& field) const { return value_.contains(field) && !value_.at(field).is_null(); }

  std::optional<std::string> text(const std::string& field, bool required, size_t max_length = 256) const {
    if (!has(field)) {
      if (required) throw FixtureError(at(field), "is required");
      return std::nullopt;
    }
    const json& v = value_.at(field);
    if (!v.is_string()) throw FixtureError(at(field), "must be a string");
    auto s = v.get<std::string>();
    if (s.empty() && required) throw FixtureError(at(field), "must not be empty");
    if (s.size() > max_length) throw FixtureError(at(field), "is longer than " + std::to_string(max_length) + " characters");
    return s;
  }
  std::optional<bool> boolean(const std::string& field) const {
    if (!has(field)) return std::nullopt;
    if (!value_.at(field).is_boolean()) throw FixtureError(at(field), "must be true or false");
    return value_.at(field).get<bool>();
  }
  json object(const std::string& field) const {
    if (!has(field)) return json::object();
    if (!value_.at(field).is_object()) throw FixtureError(at(field), "must be a JSON object");
    return value_.at(field);
  }
  std::string one_of(const std::string& field, std::initializer_list<const char*> allowed, const char* fallback) const {
    auto s = text(field, false);
    if (!s) return fallback;
    std::string names;
    for (const char* name : allowed) {
      if (*s == name) return *s;
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    throw FixtureError(at(field), "'" + *s + "' is not one of " + names);
  }

 private:
  const json& value_;
  std::string path_;
};

// The list under `name`, each element with its path; an absent list is empty.
template <typename Fn>
void each_entry(const json& document, const std::string& name, Fn&& fn) {
  if (!document.contains(name) || document.at(name).is_null()) return;
  const json& list = document.at(name);
  std::string path = "$." + name;
  if (!list.is_array()) throw FixtureError(path, "must be a list");
  for (size_t idx = 0; idx < list.size(); ++idx) fn(Entry(list[idx], path + "[" + std::to_string(idx) + "]"));
}

bool all_chars(const std::string& text, bool (*allowed)(char)) { return std::all_of(text.begin(), text.end(), allowed); }
bool slug_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; }
bool server_slug_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }
bool clerk_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string clerk_id(const Entry& entry, const std::string& field, const std::string& marker) {
  std::string id = *entry.text(field, true, 128);
  if (id.rfind(marker, 0) != 0 || id.size() == marker.size() || !all_chars(id, clerk_id_char)) {
    throw FixtureError(entry.at(field), "'" + id + "' is not a Clerk id (" + marker + "… with letters, digits, _ or -)");
  }
  return id;
}

// Remembers a value per kind and refuses the second occurrence.
class UniqueInFile {
 public:
  void claim(const std::string& value, const std::string& path, const std::string& what) {
    auto [it, inserted] = seen_.emplace(value, path);
    if (!inserted) throw FixtureError(path, what + " '" + value + "' is given twice (first at " + it->second + ")");
  }

 private:
  std::map<std::string, std::string> seen_;
};

}  // namespace

FixtureWorld parse_fixture_world(const json& document) {
  if (!document.is_object()) throw FixtureError("$", "a world is a JSON object with lists (organizations, users, …)");
  FixtureWorld world;
  UniqueInFile organization_ids, organization_slugs, user_ids, server_slugs, key_prefixes;

  each_entry(document, "organizations", [&](const Entry& e) {
    FixtureOrganization o;
    o.path = e.path();
    o.clerk_id = clerk_id(e, "clerk_id", "org_");
    o.name = *e.text("name", true);
    o.slug = e.text("slug", false, 64);
    if (o.slug && (o.slug->empty() || !all_chars(*o.slug, slug_char))) {
      throw FixtureError(e.at("slug"), "may contain only a-z, 0-9, '-' and '_'");
    }
    o.image_url = e.text("image_url", false, 2048);
    o.metadata = e.object("metadata");
    organization_ids.claim(o.clerk_id, e.at("clerk_id"), "organization");
    if (o.slug) organization_slugs.claim(*o.slug, e.at("slug"), "slug");
    world.organizations.push_back(std::move(o));
  });
  each_entry(document, "users", [&](const Entry& e) {
    FixtureUser u;
    u.path = e.path();
    u.clerk_id = clerk_id(e, "clerk_id", "user_");
    u.email = e.text("email", false);
    u.first_name = e.text("first_name", false);
    u.last_name = e.text("last_name", false);
    u.image_url = e.text("image_url", false, 2048);
    u.metadata = e.object("metadata");
    user_ids.claim(u.clerk_id, e.at("clerk_id"), "user");
    world.users.push_back(std::move(u));
  });
  each_entry(document, "memberships", [&](const Entry& e) {
    FixtureMembership m;
    m.path = e.path();
    m.organization = *e.text("organization", true, 128);
    m.user = *e.text("user", true, 128);
    m.role = e.one_of("role", {"ADMIN", "MEMBER", "VIEWER"}, "MEMBER");
    if (e.has("clerk_id")) m.clerk_id = clerk_id(e, "clerk_id", "orgmem_");
    world.memberships.push_back(std::move(m));
  });
  each_entry(document, "mcp_servers", [&](const Entry& e) {
    FixtureServer s;
    s.path = e.path();
    s.slug = *e.text("slug", true, 64);
    if (!all_chars(s.slug, server_slug_char)) throw FixtureError(e.at("slug"), "must be lowercase letters, digits and '-' only");
    if (storage::is_mcp_server_id(s.slug)) throw FixtureError(e.at("slug"), "must not have the shape of an id (a UUID)");
    s.name = *e.text("name", true);
    s.description = e.text("description", false, 4096);
    s.url = e.text("url", false, 2048);
    if (s.url) {
      bool scheme = s.url->rfind("http://", 0) == 0 || s.url->rfind("https://", 0) == 0;
      bool clean = std::none_of(s.url->begin(), s.url->end(), [](char c) { return c <= ' ' || c == 0x7f; });
      if (!scheme || !clean || s.url->size() <= s.url->find("://") + 3) {
        throw FixtureError(e.at("url"), "must be an http:// or https:// URL without spaces");
      }
    }
    s.transport = e.one_of("transport", {"stdio", "sse", "streamable-http"}, "stdio");
    s.capabilities = e.object("capabilities");
    s.is_active = e.boolean("is_active").value_or(true);
    server_slugs.claim(s.slug, e.at("slug"), "MCP server");
    world.mcp_servers.push_back(std::move(s));
  });
  each_entry(document, "services", [&](const Entry& e) {
    FixtureService s;
    s.path = e.path();
    s.organization = *e.text("organization", true, 128);
    s.server = *e.text("server", true, 64);
    s.config = e.object("config");
    s.enabled = e.boolean("enabled").value_or(true);
    world.services.push_back(std::move(s));
  });
  each_entry(document, "api_keys", [&](const Entry& e) {
    FixtureApiKey k;
    k.path = e.path();
    bool platform = e.boolean("platform").value_or(false);
    k.organization = e.text("organization", false, 128);
    if (platform && k.organization) throw FixtureError(e.path(), "a key is either \"platform\": true or has an \"organization\", not both");
    if (!platform && !k.organization) {
      throw FixtureError(e.at("organization"), "is required (or \"platform\": true for a platform-admin key)");
    }
    k.name = *e.text("name", true);
    k.role = e.one_of("role", {"ADMIN", "MEMBER", "VIEWER"}, platform ? "ADMIN" : "MEMBER");
    if (platform && k.role != "ADMIN") throw FixtureError(e.at("role"), "a platform key is a platform admin: leave role out");
    k.secret = *e.text("key", true, 1024);
    auto prefix = api_key_prefix(k.secret);
    // Never echo the key: it is a credential, even in a test file.
    if (!prefix) {
      throw FixtureError(e.at("key"), "is not an API key: 'mcp_sk_' followed by at least 43 base62/base64url characters "
                                      "(e.g. from `openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')`)");
    }
    if (auto expires = e.text("expires_at", false, 64)) {
      k.expires_at = util::parse_iso8601_ms(*expires);
      if (!k.expires_at) throw FixtureError(e.at("expires_at"), "is not an ISO-8601 time (2030-01-01T00:00:00Z)");
    }
    key_prefixes.claim(*prefix, e.at("key"), "a key with the prefix");
    world.api_keys.push_back(std::move(k));
  });
  return world;
}

FixtureLoadResult load_fixture_world(storage::Database& db, const FixtureWorld& world, const std::string& source) {
  return storage::write_value(db, [&](storage::Transaction& session) {
    FixtureLoadResult result;

    std::map<std::string, std::string> organization_ids;  // Clerk id or slug of the file → id
    for (const auto& o : world.organizations) {
      auto existing = storage::find_organization_by_clerk_id(session, o.clerk_id);
      if (!existing) {
        if (o.slug) {
          if (auto holder = storage::find_live_organization_by_slug(session, *o.slug)) {
            throw FixtureError(o.path + ".slug", "'" + *o.slug + "' is held by another organization (" + holder->clerk_id + ")");
          }
        }
        storage::OrganizationRecord record;
        record.clerk_id = o.clerk_id;
        record.name = o.name;
        record.slug = record.clerk_slug = o.slug;
        record.image_url = o.image_url;
        record.metadata = o.metadata;
        storage::insert_organization(session, record);
        existing = record;
        ++result.organizations;
      } else {
        ++result.present;
      }
      organization_ids[o.clerk_id] = existing->id;
      if (o.slug) organization_ids[*o.slug] = existing->id;
    }
    auto organization = [&](const std::string& ref, const std::string& path) {
      if (auto found = organization_ids.find(ref); found != organization_ids.end()) return found->second;
      auto record = ref.rfind("org_", 0) == 0 ? storage::find_organization_by_clerk_id(session, ref)
                                              : storage::find_live_organization_by_slug(session, ref);
      if (!record) throw FixtureError(path, "no organization '" + ref + "' in the file or the database (give its Clerk id or slug)");
      if (record->deleted_at) throw FixtureError(path, "the organization '" + ref + "' is deleted");
      return organization_ids[ref] = record->id;
    };

    std::map<std::string, std::string> user_ids;
    for (const auto& u : world.users) {
      auto existing = storage::find_user_by_clerk_id(session, u.clerk_id);
      if (!existing) {
        storage::UserRecord record;
        record.clerk_id = u.clerk_id;
        record.email = u.email;
        record.first_name = u.first_name;
        record.last_name = u.last_name;
        record.image_url = u.image_url;
        record.metadata = u.metadata;
        storage::insert_user(session, record);
        existing = record;
        ++result.users;
      } else {
        ++result.present;
      }
      user_ids[u.clerk_id] = existing->id;
    }
    auto user = [&](const std::string& ref, const std::string& path) {
      if (auto found = user_ids.find(ref); found != user_ids.end()) return found->second;
      auto record = storage::find_user_by_clerk_id(session, ref);
      if (!record) throw FixtureError(path, "no user '" + ref + "' in the file or the database (give its Clerk id)");
      if (record->deleted_at) throw FixtureError(path, "the user '" + ref + "' is deleted");
      return user_ids[ref] = record->id;
    };

    for (const auto& m : world.memberships) {
      std::string organization_id = organization(m.organization, m.path + ".organization");
      std::string user_id = user(m.user, m.path + ".user");
      if (storage::find_live_membership(session, organization_id, user_id)) {
        ++result.present;
        continue;
      }
      storage::MembershipRecord record;
      record.clerk_id = m.clerk_id.value_or("orgmem_fixture_" + util::new_uuid_v7());
      record.organization_id = organization_id;
      record.user_id = user_id;
      record.role = m.role;
      storage::insert_membership(session, record);
      ++result.memberships;
    }

    std::map<std::string, std::string> server_ids;
    for (const auto& s : world.mcp_servers) {
      if (auto existing = storage::find_mcp_server_by_slug(session, s.slug)) {
        server_ids[s.slug] = existing->id;
        ++result.present;
        continue;
      }
      storage::McpServerRecord record;
      record.slug = s.slug;
      record.name = s.name;
      record.description = s.description;
      record.url = s.url;
      record.transport = s.transport;
      record.capabilities = s.capabilities;
      record.is_active = s.is_active;
      storage::insert_mcp_server(session, record);
      server_ids[s.slug] = record.id;
      ++result.mcp_servers;
    }

    for (const auto& s : world.services) {
      std::string organization_id = organization(s.organization, s.path + ".organization");
      std::string server_id;
      if (auto found = server_ids.find(s.server); found != server_ids.end()) {
        server_id = found->second;
      } else if (auto record = storage::find_mcp_server_by_slug(session, s.server)) {
        server_id = record->id;
      } else {
        throw FixtureError(s.path + ".server", "no MCP server '" + s.server + "' in the file or the database (give its slug)");
      }
      storage::ServiceRecord record;
      record.organization_id = organization_id;
      record.mcp_server_id = server_id;
      record.enabled = s.enabled;
      record.config = s.config;
      if (storage::insert_service_if_absent(session, record)) ++result.services;
      else ++result.present;
    }

    for (const auto& k : world.api_keys) {
      std::optional<std::string> organization_id;
      if (k.organization) organization_id = organization(*k.organization, k.path + ".organization");
      NewApiKey described = describe_api_key(k.secret);
      if (auto existing = storage::find_api_key_by_prefix(session, described.prefix)) {
        if (!api_key_matches(k.secret, existing->key_hash) || existing->organization_id != organization_id) {
          throw FixtureError(k.path + ".key", "another key with the same first " + std::to_string(kApiKeyPrefixLength) +
                                                  " characters (its lookup prefix) exists: give this key other characters");
        }
        ++result.present;
        continue;
      }
      storage::ApiKeyRecord record;
      record.organization_id = organization_id;
      record.name = k.name;
      record.prefix = described.prefix;
      record.key_hash = described.hash;
      record.role = k.role;
      record.expires_at = k.expires_at;
      record.created_by = "fixture";
      storage::insert_api_key(session, record);
      ++result.api_keys;
    }

    if (result.inserted() > 0) {
      AuditTrail(session, system_actor("fixture"))
          .record(std::nullopt, audit_action::kFixtureLoaded, audit_target::kFixture, source, nullptr,
                  {{"organizations", result.organizations},
                   {"users", result.users},
                   {"memberships", result.memberships},
                   {"mcp_servers", result.mcp_servers},
                   {"services", result.services},
                   {"api_keys", result.api_keys}});
    }
    return result;
  });
}

}  // namespace mcp::domain
