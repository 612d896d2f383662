#pragma once
// Fixture worlds (README "As a test fixture"): a test's organizations, users, memberships, MCP servers, services
// and API keys, given as one JSON document and loaded in one transaction. Checked in full before
// anything is written; loading the same world again changes nothing.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/database.h"

namespace mcp::domain {

// What is wrong with a world, and where: `json_path` is like "$.api_keys[1].key".
class FixtureError : public std::runtime_error {
 public:
  FixtureError(std::string json_path, std::string reason)
      : std::runtime_error(json_path + ": " + reason), json_path_(std::move(json_path)), reason_(std::move(reason)) {}
  const std::string& json_path() const { return json_path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string json_path_;
  std::string reason_;
};

struct FixtureOrganization {
  std::string path;  // where it is in the document, for errors
  std::string clerk_id;
  std::string name;
  std::optional<std::string> slug, image_url;
  nlohmann::json metadata = nlohmann::json::object();
};

struct FixtureUser {
  std::string path;
  std::string clerk_id;
  std::optional<std::string> email, first_name, last_name, image_url;
  nlohmann::json metadata = nlohmann::json::object();
};

struct FixtureMembership {
  std::string path;
  std::string organization;  // Clerk id or slug
  std::string user;          // Clerk id
  std::string role;          // ADMIN | MEMBER | VIEWER
  std::optional<std::string> clerk_id;
};

struct FixtureServer {
  std::string path;
  std::string slug, name;
  std::optional<std::string> description, url;
  std::string transport;
  nlohmann::json capabilities = nlohmann::json::object();
  bool is_active = true;
};

struct FixtureService {
  std::string path;
  std::string organization;  // Clerk id or slug
  std::string server;        // slug
  nlohmann::json config = nlohmann::json::object();
  bool enabled = true;
};

struct FixtureApiKey {
  std::string path;
  std::optional<std::string> organization;  // Clerk id or slug; none: a platform key
  std::string name;
  std::string role;
  std::string secret;  // the whole key, as the file gives it; only its hash is stored
  std::optional<int64_t> expires_at;
};

struct FixtureWorld {
  std::vector<FixtureOrganization> organizations;
  std::vector<FixtureUser> users;
  std::vector<FixtureMembership> memberships;
  std::vector<FixtureServer> mcp_servers;
  std::vector<FixtureService> services;
  std::vector<FixtureApiKey> api_keys;
};

// Reads and checks a world document: shapes, types, formats (README "API keys"), duplicates
// inside the file. Unknown fields are allowed. Throws FixtureError.
FixtureWorld parse_fixture_world(const nlohmann::json& document);

// Rows inserted by a load, by kind; `present` counts entries that were there already.
struct FixtureLoadResult {
  int organizations = 0, users = 0, memberships = 0, mcp_servers = 0, services = 0, api_keys = 0;
  int present = 0;
  int inserted() const { return organizations + users + memberships + mcp_servers + services + api_keys; }
};

// Loads the world in one transaction: what is absent is inserted, what is present (same Clerk id,
// slug, membership, service, or key) is left as it is. References (organization, user, server) are
// resolved in the file first, then in the database. One `fixture.loaded` audit row when anything
// was inserted. Throws FixtureError, with nothing written, when a reference is unknown, a slug is
// held by another organization, or a key's prefix belongs to another key.
FixtureLoadResult load_fixture_world(storage::Database& db, const FixtureWorld& world, const std::string& source);

}  // namespace mcp::domain
