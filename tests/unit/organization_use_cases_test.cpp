// An organization's use cases without HTTP, against an in-memory SQLite with the real schema: its
// deletion (domain/organization_deletion.h: the cascade and its audit story, whoever deletes) and
// its members (domain/memberships.h: add, change the role, remove, and what is refused) and its
// API keys (domain/api_key_lifecycle.h: minted with only the hash stored, revoked once) and its
// services (domain/services.h: enabled, changed, disabled; a change of nothing writes nothing).
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "domain/api_key_lifecycle.h"
#include "domain/audit_trail.h"
#include "domain/memberships.h"
#include "domain/organization_deletion.h"
#include "domain/services.h"
#include "storage/api_key_store.h"
#include "storage/audit_store.h"
#include "storage/identity_store.h"
#include "storage/mcp_server_store.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "identity_rows.h"

using namespace mcp;

namespace {

struct World {
  std::unique_ptr<storage::Database> db = storage::open_database(storage::parse_database_url(":memory:"));
  storage::OrganizationRecord acme, globex;

  World() {
    storage::apply_migrations(*db, storage::embedded_migrations());
    db->write([&](storage::Transaction& session) {
      acme = test::insert_organization_row(session, "org_acme", "acme");
      globex = test::insert_organization_row(session, "org_globex", "globex");
      for (const char* name : {"ada", "bob"}) member(session, acme, name);
      member(session, globex, "gus");
      key(session, acme, "mcp_sk_acme1");
      key(session, acme, "mcp_sk_acme2");
      key(session, globex, "mcp_sk_globex");
    });
  }

  static void member(storage::Transaction& session, const storage::OrganizationRecord& organization, const std::string& name) {
    storage::UserRecord user;
    user.clerk_id = "user_" + name + "_" + organization.clerk_id;
    storage::insert_user(session, user);
    storage::MembershipRecord membership;
    membership.clerk_id = "orgmem_" + name + "_" + organization.clerk_id;
    membership.organization_id = organization.id;
    membership.user_id = user.id;
    membership.role = "MEMBER";
    storage::insert_membership(session, membership);
  }
  static void key(storage::Transaction& session, const storage::OrganizationRecord& organization, const std::string& prefix) {
    storage::ApiKeyRecord record;
    record.organization_id = organization.id;
    record.name = prefix;
    record.prefix = prefix;
    record.key_hash = "hash-" + prefix;
    storage::insert_api_key(session, record);
  }

  // Runs `fn` with a trail of an API key in one write transaction.
  template <typename Fn>
  auto as_api_key(Fn&& fn) {
    return storage::write_value(*db, [&](storage::Transaction& session) {
      domain::AuditTrail trail(session, domain::AuditActor{"api_key", "key_acme_admin", {}, {}, "req-2", {}});
      return fn(trail);
    });
  }

  domain::OrganizationDeletion remove(const storage::OrganizationRecord& organization, int64_t at) {
    return storage::write_value(*db, [&](storage::Transaction& session) {
      domain::AuditTrail trail(session, domain::AuditActor{"api_key", "key_root", {}, {}, "req-1", {}});
      return domain::delete_organization(trail, organization, at);
    });
  }

  std::vector<std::string> actions(const std::string& organization_id) {
    storage::AuditFilter filter;
    filter.organization_id = organization_id;
    auto rows = storage::read_value(*db, [&](storage::Transaction& session) {
      return storage::list_audit_logs(session, filter, std::nullopt, 100);
    });
    std::vector<std::string> out;
    for (const auto& row : rows) out.push_back(row.action + " " + row.target_type.value_or("") + " " + row.actor_type);
    std::sort(out.begin(), out.end());
    return out;
  }
};

}  // namespace

TEST_CASE("deleting an organization ends its memberships and keys, and tells it in one story") {
  World world;
  auto result = world.remove(world.acme, 5000);
  CHECK(result.organization_deleted);
  CHECK(result.memberships_ended == 2);
  CHECK(result.api_keys_revoked == 2);
  CHECK(result.sessions_ended == 0);
  CHECK(world.actions(world.acme.id) == std::vector<std::string>{
                                           "api_key.revoked api_key api_key",
                                           "api_key.revoked api_key api_key",
                                           "organization.deleted organization api_key",
                                           "organization_membership.deleted organization_membership api_key",
                                           "organization_membership.deleted organization_membership api_key",
                                       });
  CHECK(world.actions(world.globex.id).empty());  // the other organization is untouched

  auto stored = storage::read_value(*world.db, [&](storage::Transaction& session) {
    return *storage::find_organization(session, world.acme.id);
  });
  CHECK(stored.deleted_at == std::optional<int64_t>(5000));
}

TEST_CASE("a second, later deletion changes nothing; an earlier one (Clerk's time) moves the ends back") {
  World world;
  world.remove(world.acme, 5000);
  auto again = world.remove(world.acme, 6000);
  CHECK_FALSE(again.organization_deleted);
  CHECK(again.memberships_ended + again.api_keys_revoked + again.sessions_ended == 0);
  CHECK(world.actions(world.acme.id).size() == 5);

  auto earlier = world.remove(world.acme, 4000);  // Clerk's deletion time, older than the API's
  CHECK(earlier.organization_deleted);
  CHECK(earlier.memberships_ended == 2);  // their ends move back to 4000, each recorded
}

TEST_CASE("an action outside the vocabulary is refused before anything is written") {
  World world;
  CHECK_FALSE(domain::is_audit_action("membership.created"));
  CHECK(domain::is_audit_action("organization_membership.created"));
  CHECK_THROWS_AS(world.db->write([&](storage::Transaction& session) {
    domain::AuditTrail trail(session, domain::AuditActor{"system", "test", {}, {}, {}, {}});
    trail.record(std::nullopt, "membership.created", domain::audit_target::kMembership, "m1", nullptr, nullptr);
  }),
                  std::logic_error);
  CHECK(storage::read_value(*world.db, [](storage::Transaction& session) { return storage::count_audit_logs(session); }) ==
        0);
}

TEST_CASE("members: added back, role changed, removed; each recorded as organization_membership.*") {
  World world;
  const std::string ada = "user_ada_org_acme";
  world.as_api_key([&](domain::AuditTrail& trail) {
    domain::remove_member(trail, world.acme.id, ada, 2000);
    return 0;
  });
  // Clerk put ada in acme once: acme's ADMIN may add her back; she is then a live member.
  auto added = world.as_api_key([&](domain::AuditTrail& trail) {
    return domain::add_member(trail, world.acme.id, ada, "VIEWER", false);
  });
  CHECK(added.membership.role == "VIEWER");
  CHECK(added.user.clerk_id == ada);
  auto changed = world.as_api_key([&](domain::AuditTrail& trail) {
    return domain::change_member_role(trail, world.acme.id, ada, "ADMIN");
  });
  CHECK(changed.membership.role == "ADMIN");
  CHECK(world.actions(world.acme.id) == std::vector<std::string>{
                                           "organization_membership.created organization_membership api_key",
                                           "organization_membership.deleted organization_membership api_key",
                                           "organization_membership.updated organization_membership api_key",
                                       });
}

TEST_CASE("members: what is refused, and nothing is recorded for it") {
  World world;
  using Reason = domain::MembershipRefused::Reason;
  auto refusal = [&](auto&& fn) {
    try {
      world.as_api_key([&](domain::AuditTrail& trail) {
        fn(trail);
        return 0;
      });
    } catch (const domain::MembershipRefused& e) {
      return std::optional<Reason>(e.reason());
    }
    return std::optional<Reason>();
  };
  const std::string gus = "user_gus_org_globex";  // a member of globex, never of acme
  CHECK(refusal([&](auto& t) { domain::add_member(t, world.acme.id, "user_bob_org_acme", "MEMBER", false); }) ==
        Reason::AlreadyMember);
  // An organization's ADMIN cannot claim another organization's user: refused as an unknown one.
  CHECK(refusal([&](auto& t) { domain::add_member(t, world.acme.id, gus, "MEMBER", false); }) == Reason::NoSuchUser);
  CHECK(refusal([&](auto& t) { domain::add_member(t, world.acme.id, "user_nobody", "MEMBER", true); }) ==
        Reason::NoSuchUser);
  CHECK(refusal([&](auto& t) { domain::change_member_role(t, world.acme.id, gus, "ADMIN"); }) == Reason::NotAMember);
  CHECK(refusal([&](auto& t) { domain::remove_member(t, world.acme.id, gus, 3000); }) == Reason::NotAMember);
  CHECK(world.actions(world.acme.id).empty());
  // The platform may add anyone.
  CHECK_FALSE(refusal([&](auto& t) { domain::add_member(t, world.acme.id, gus, "MEMBER", true); }).has_value());
  world.remove(world.acme, 5000);
  CHECK(refusal([&](auto& t) { domain::add_member(t, world.acme.id, "user_ada_org_acme", "MEMBER", true); }) ==
        Reason::NoSuchOrganization);
}

TEST_CASE("API keys: minted with only the hash stored, revoked once; none for a deleted organization") {
  World world;
  domain::KeyToMint request{world.acme.id, "ci", "VIEWER", std::nullopt, std::string("key_root"), 1000};
  auto minted = world.as_api_key([&](domain::AuditTrail& trail) { return domain::mint_api_key(trail, request); });
  REQUIRE(minted.has_value());
  CHECK(minted->secret.secret.rfind(minted->record.prefix, 0) == 0);
  CHECK(minted->record.key_hash == minted->secret.hash);
  CHECK(minted->record.key_hash.find(minted->secret.secret) == std::string::npos);
  CHECK(world.as_api_key([&](domain::AuditTrail& trail) { return domain::revoke_api_key(trail, minted->record, 2000); }));
  auto stored = storage::read_value(*world.db, [&](storage::Transaction& session) {
    return *storage::find_api_key(session, minted->record.id);
  });
  CHECK(stored.revoked_at == std::optional<int64_t>(2000));
  CHECK_FALSE(world.as_api_key([&](domain::AuditTrail& trail) { return domain::revoke_api_key(trail, stored, 3000); }));
  auto created_and_revoked = world.actions(world.acme.id);
  CHECK(std::count(created_and_revoked.begin(), created_and_revoked.end(), "api_key.created api_key api_key") == 1);
  CHECK(std::count(created_and_revoked.begin(), created_and_revoked.end(), "api_key.revoked api_key api_key") == 1);

  world.remove(world.acme, 5000);
  CHECK_FALSE(world.as_api_key([&](domain::AuditTrail& trail) { return domain::mint_api_key(trail, request); }));
}

TEST_CASE("services: enabled, a same PUT writes nothing, config changed, disabled once; unknown is NoService") {
  World world;
  storage::McpServerRecord server;
  server.slug = "github";
  server.name = "GitHub";
  world.db->write([&](storage::Transaction& session) { storage::insert_mcp_server(session, server); });
  auto put = [&](domain::ServiceChange change, int64_t at) {
    return world.as_api_key([&](domain::AuditTrail& trail) {
      return domain::put_service(trail, server, world.acme.id, change, at);
    });
  };
  auto disable = [&](int64_t at) {
    return world.as_api_key([&](domain::AuditTrail& trail) {
      return domain::disable_service(trail, server, world.acme.id, at);
    });
  };
  CHECK(disable(500) == domain::DisableOutcome::NoService);
  auto enabled = put({nlohmann::json{{"repo", "acme/app"}}, true, std::nullopt}, 1000);
  CHECK(enabled.enabled);
  CHECK(put({nlohmann::json{{"repo", "acme/app"}}, true, std::nullopt}, 1100).updated_at == enabled.updated_at);
  auto changed = put({nlohmann::json{{"repo", "acme/web"}}, true, std::nullopt}, 1200);
  CHECK(changed.config["repo"] == "acme/web");
  CHECK(disable(1300) == domain::DisableOutcome::Disabled);
  CHECK(disable(1400) == domain::DisableOutcome::AlreadyDisabled);
  CHECK(world.actions(world.acme.id) == std::vector<std::string>{
                                           "organization_service.disabled organization_service api_key",
                                           "organization_service.enabled organization_service api_key",
                                           "organization_service.updated organization_service api_key",
                                       });
}
