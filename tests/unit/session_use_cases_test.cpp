// A user's session without HTTP, against an in-memory SQLite with the real schema
// (domain/sessions.h): a Clerk user's own session by its sid, an organization switch and whose audit
// trail it is filed in, what an organization's ADMIN key may not bind, another user's Clerk session,
// a revocation recorded once, and whose sessions a MEMBER cannot see.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/audit_trail.h"
#include "domain/principal.h"
#include "domain/sessions.h"
#include "storage/audit_store.h"
#include "storage/identity_store.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "storage/session_store.h"
#include "identity_rows.h"
#include "util/time.h"

using namespace mcp;

namespace {

using Reason = domain::SessionRefused::Reason;

struct SessionWorld {
  std::unique_ptr<storage::Database> db = storage::open_database(storage::parse_database_url(":memory:"));
  storage::OrganizationRecord acme, globex;
  storage::UserRecord ada, bob;  // ada: in acme and globex; bob: in acme

  SessionWorld() {
    storage::apply_migrations(*db, storage::embedded_migrations());
    db->write([&](storage::Transaction& session) {
      acme = test::insert_organization_row(session, "org_acme", "acme");
      globex = test::insert_organization_row(session, "org_globex", "globex");
      ada = user(session, "user_ada");
      bob = user(session, "user_bob");
      member(session, acme, ada);
      member(session, globex, ada);
      member(session, acme, bob);
    });
  }

  static storage::UserRecord user(storage::Transaction& session, const std::string& clerk_id) {
    storage::UserRecord record;
    record.clerk_id = clerk_id;
    storage::insert_user(session, record);
    return record;
  }
  static void member(storage::Transaction& session, const storage::OrganizationRecord& organization,
                     const storage::UserRecord& user) {
    storage::MembershipRecord membership;
    membership.clerk_id = "orgmem_" + user.clerk_id + "_" + organization.clerk_id;
    membership.organization_id = organization.id;
    membership.user_id = user.id;
    membership.role = "MEMBER";
    storage::insert_membership(session, membership);
  }

  // A Clerk user whose token carries the Clerk session `sid`, active in `organization` with `role`.
  static domain::Principal clerk_user(const storage::UserRecord& user, const std::optional<std::string>& sid,
                                      const storage::OrganizationRecord& organization,
                                      const std::string& role = "MEMBER") {
    domain::Principal principal;
    principal.kind = domain::Principal::Kind::User;
    principal.actor_id = user.id;
    principal.user_id = user.id;
    principal.clerk_user_id = user.clerk_id;
    principal.clerk_session_id = sid;
    principal.organization_id = organization.id;
    principal.role = role;
    return principal;
  }
  // An organization's API key with `role`; none: a platform-admin key.
  static domain::Principal api_key(const std::optional<std::string>& organization_id, const std::string& role) {
    domain::Principal principal;
    principal.kind = domain::Principal::Kind::ApiKey;
    principal.actor_id = "key_" + role;
    principal.platform_admin = !organization_id;
    principal.organization_id = organization_id;
    if (organization_id) principal.role = role;
    return principal;
  }

  // Runs `fn` with the principal's audit trail in one write transaction.
  template <typename Fn>
  auto as(const domain::Principal& principal, Fn&& fn) {
    return storage::write_value(*db, [&](storage::Transaction& session) {
      domain::AuditTrail trail(session, domain::AuditActor{principal.actor_type(), principal.actor_id, {}, {}, {}, {}});
      return fn(trail);
    });
  }
  domain::UpsertedSession upsert(const domain::Principal& principal, const domain::SessionChange& change, int64_t at) {
    return as(principal, [&](domain::AuditTrail& trail) { return domain::upsert_session(trail, principal, change, at); });
  }
  bool revoke(const domain::Principal& principal, const std::string& id, int64_t at) {
    return as(principal, [&](domain::AuditTrail& trail) { return domain::revoke_session(trail, principal, id, at); });
  }

  // Why the upsert / the revocation was refused; nullopt when it was not.
  std::optional<Reason> upsert_refusal(const domain::Principal& principal, const domain::SessionChange& change,
                                       int64_t at) {
    try {
      upsert(principal, change, at);
    } catch (const domain::SessionRefused& refusal) {
      return refusal.reason();
    }
    return std::nullopt;
  }
  std::optional<Reason> revoke_refusal(const domain::Principal& principal, const std::string& id, int64_t at) {
    try {
      revoke(principal, id, at);
    } catch (const domain::SessionRefused& refusal) {
      return refusal.reason();
    }
    return std::nullopt;
  }

  // The session's audit rows, oldest first.
  std::vector<storage::AuditRecord> audit_of(const std::string& session_id) {
    storage::AuditFilter filter;
    filter.target_id = session_id;
    auto rows = storage::read_value(*db, [&](storage::Transaction& session) {
      return storage::list_audit_logs(session, filter, std::nullopt, 100);
    });
    std::reverse(rows.begin(), rows.end());
    return rows;
  }
  int64_t audit_count() {
    return storage::read_value(*db, [](storage::Transaction& session) { return storage::count_audit_logs(session); });
  }
  storage::SessionRecord stored(const std::string& id) {
    return storage::read_value(*db, [&](storage::Transaction& session) { return *storage::find_session(session, id); });
  }
};

// A change that makes `organization_id` (internal or Clerk id) the active organization.
domain::SessionChange switch_to(const std::string& organization_id) {
  domain::SessionChange change;
  change.organization_given = true;
  change.organization_id = organization_id;
  return change;
}

}  // namespace

TEST_CASE("a Clerk user creates their own session by its sid, then switches it to another organization") {
  SessionWorld world;
  domain::Principal ada = SessionWorld::clerk_user(world.ada, "sess_ada", world.acme);

  auto created = world.upsert(ada, switch_to("org_acme"), 1000);
  CHECK(created.created);
  CHECK(created.record.user_id == world.ada.id);
  CHECK(created.record.clerk_session_id == std::optional<std::string>("sess_ada"));
  CHECK(created.record.organization_id == std::optional<std::string>(world.acme.id));
  auto rows = world.audit_of(created.record.id);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].action == "session.created");
  CHECK(rows[0].actor_type == "user");
  CHECK(rows[0].organization_id == std::optional<std::string>(world.acme.id));
  CHECK(rows[0].changes.at("before").is_null());
  CHECK(rows[0].changes.at("after") == domain::session_view(created.record));

  // The same sid again: the same session, updated. A switch names both organizations: filed under
  // neither, so that neither organization's ADMINs read the other's.
  auto switched = world.upsert(ada, switch_to(world.globex.id), 2000);
  CHECK_FALSE(switched.created);
  CHECK(switched.record.id == created.record.id);
  CHECK(switched.record.organization_id == std::optional<std::string>(world.globex.id));
  CHECK(switched.record.last_active_at == std::optional<int64_t>(2000));
  rows = world.audit_of(created.record.id);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].action == "session.updated");
  CHECK_FALSE(rows[1].organization_id.has_value());
  CHECK(rows[1].changes.at("before").at("organization_id").get<std::string>() == world.acme.id);
  CHECK(rows[1].changes.at("after").at("organization_id").get<std::string>() == world.globex.id);

  // A change within one organization is that organization's.
  const nlohmann::json billing = {{"tab", "billing"}};
  domain::SessionChange metadata;
  metadata.metadata = billing;
  auto updated = world.upsert(ada, metadata, 3000);
  CHECK(updated.record.organization_id == std::optional<std::string>(world.globex.id));
  CHECK(updated.record.metadata == billing);
  rows = world.audit_of(created.record.id);
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].action == "session.updated");
  CHECK(rows[2].organization_id == std::optional<std::string>(world.globex.id));
}

TEST_CASE("what the principal alone refuses, and unknown users and organizations") {
  SessionWorld world;
  // An OAuth access token carries no sid: there is no session to name.
  CHECK(world.upsert_refusal(SessionWorld::clerk_user(world.ada, std::nullopt, world.acme), {}, 1000) ==
        Reason::NoSessionId);
  domain::Principal ada = SessionWorld::clerk_user(world.ada, "sess_ada", world.acme);
  domain::SessionChange other_sid;
  other_sid.clerk_session_id = "sess_other";
  CHECK(world.upsert_refusal(ada, other_sid, 1000) == Reason::NotAllowed);
  // bob is in ada's organization: refused; an id that cannot name anyone is an unknown user.
  domain::SessionChange for_bob;
  for_bob.user_id = "user_bob";
  CHECK(world.upsert_refusal(ada, for_bob, 1000) == Reason::NotAllowed);
  domain::SessionChange implausible;
  implausible.user_id = "user bob";
  implausible.user_id_plausible = false;
  CHECK(world.upsert_refusal(ada, implausible, 1000) == Reason::NoSuchUser);
  // bob belongs to acme only: for him globex does not exist.
  CHECK(world.upsert_refusal(SessionWorld::clerk_user(world.bob, "sess_bob", world.acme), switch_to("org_globex"),
                             1000) == Reason::NoSuchOrganization);

  domain::Principal admin_key = SessionWorld::api_key(world.acme.id, "ADMIN");
  CHECK(world.upsert_refusal(admin_key, {}, 1000) == Reason::UserRequired);
  domain::SessionChange no_organization = switch_to("org_acme");
  no_organization.organization_id.reset();
  no_organization.user_id = "user_bob";
  CHECK(world.upsert_refusal(admin_key, no_organization, 1000) == Reason::NotAllowed);
  CHECK(world.audit_count() == 0);
}

TEST_CASE("an organization's ADMIN key cannot bind a new Clerk session id; it creates sessions without one") {
  SessionWorld world;
  domain::Principal admin_key = SessionWorld::api_key(world.acme.id, "ADMIN");
  domain::SessionChange change;
  change.user_id = "user_bob";
  change.clerk_session_id = "sess_new";
  CHECK(world.upsert_refusal(admin_key, change, 1000) == Reason::NotAllowed);
  CHECK_THROWS_WITH_AS(world.upsert(admin_key, change, 1000),
                       "Binding a Clerk session (clerk_session_id) takes that session's own token (its sid) or the "
                       "platform admin; an organization's API key creates sessions without one, or updates a session "
                       "already bound.",
                       domain::SessionRefused);
  CHECK(world.audit_count() == 0);

  change.clerk_session_id.reset();
  auto created = world.upsert(admin_key, change, 1000);
  CHECK(created.created);
  CHECK(created.record.user_id == world.bob.id);
  CHECK(created.record.organization_id == std::optional<std::string>(world.acme.id));  // the key's own
  CHECK_FALSE(created.record.clerk_session_id.has_value());
  auto rows = world.audit_of(created.record.id);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].action == "session.created");
  CHECK(rows[0].actor_type == "api_key");
}

TEST_CASE("another user's Clerk session id is refused, whoever names it") {
  SessionWorld world;
  domain::Principal bob = SessionWorld::clerk_user(world.bob, "sess_bob", world.acme);
  auto bobs = world.upsert(bob, {}, 1000);
  REQUIRE(bobs.created);

  domain::SessionChange change;
  change.user_id = "user_ada";
  change.clerk_session_id = "sess_bob";
  CHECK(world.upsert_refusal(SessionWorld::api_key(world.acme.id, "ADMIN"), change, 2000) ==
        Reason::OtherUsersSession);
  CHECK(world.upsert_refusal(SessionWorld::api_key(std::nullopt, ""), change, 2000) == Reason::OtherUsersSession);
  CHECK_THROWS_WITH_AS(world.upsert(SessionWorld::api_key(std::nullopt, ""), change, 2000),
                       "That Clerk session (clerk_session_id) belongs to another user.", domain::SessionRefused);
  CHECK(world.stored(bobs.record.id).user_id == world.bob.id);
  CHECK(world.audit_of(bobs.record.id).size() == 1);  // its creation only
}

TEST_CASE("a revocation is recorded once, and a revoked session stays revoked") {
  SessionWorld world;
  domain::Principal ada = SessionWorld::clerk_user(world.ada, "sess_ada", world.acme);
  auto created = world.upsert(ada, switch_to(world.acme.id), 1000);

  CHECK(world.revoke(ada, created.record.id, 2000));
  CHECK_FALSE(world.revoke(ada, created.record.id, 3000));
  CHECK(world.stored(created.record.id).revoked_at == std::optional<int64_t>(2000));
  auto rows = world.audit_of(created.record.id);
  REQUIRE(rows.size() == 2);
  CHECK(std::count_if(rows.begin(), rows.end(), [](const storage::AuditRecord& row) {
          return row.action == "session.revoked";
        }) == 1);
  CHECK(rows[1].action == "session.revoked");
  CHECK(rows[1].organization_id == std::optional<std::string>(world.acme.id));
  CHECK(rows[1].changes.at("before").at("revoked_at").is_null());
  CHECK(rows[1].changes.at("after").at("revoked_at").get<std::string>() == util::format_iso8601_ms(2000));

  CHECK(world.upsert_refusal(ada, {}, 4000) == Reason::Revoked);
  CHECK(world.audit_of(created.record.id).size() == 2);
}

TEST_CASE("a MEMBER of the same organization cannot revoke another's session: for them it does not exist") {
  SessionWorld world;
  domain::Principal ada = SessionWorld::clerk_user(world.ada, "sess_ada", world.acme);
  auto created = world.upsert(ada, switch_to(world.acme.id), 1000);

  CHECK(world.revoke_refusal(SessionWorld::clerk_user(world.bob, "sess_bob", world.acme), created.record.id, 2000) ==
        Reason::NoSuchSession);
  CHECK(world.revoke_refusal(SessionWorld::api_key(world.acme.id, "MEMBER"), created.record.id, 2000) ==
        Reason::NoSuchSession);
  CHECK(world.revoke_refusal(SessionWorld::api_key(world.globex.id, "ADMIN"), created.record.id, 2000) ==
        Reason::NoSuchSession);
  CHECK(world.revoke_refusal(ada, "0190a000-0000-7000-8000-000000000000", 2000) == Reason::NoSuchSession);
  CHECK_FALSE(world.stored(created.record.id).revoked_at.has_value());
  CHECK(world.audit_of(created.record.id).size() == 1);

  // The organization's ADMIN may.
  CHECK(world.revoke(SessionWorld::clerk_user(world.bob, "sess_bob", world.acme, "ADMIN"), created.record.id, 3000));
}
