// The SQLite engine (src/storage/sqlite/sqlite_database.*) through the storage::Database interface:
// parameter binding, value round trips, error translation, group commit and health checks.
#include "storage/sqlite/sqlite_database.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/database_url.h"
#include "storage/errors.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "test_support.h"

using mcp::storage::CheckViolation;
using mcp::storage::Database;
using mcp::storage::ForeignKeyViolation;
using mcp::storage::null_value;
using mcp::storage::Query;
using mcp::storage::Row;
using mcp::storage::Rows;
using mcp::storage::Transaction;
using mcp::storage::StorageError;
using mcp::storage::Unavailable;
using mcp::storage::UniqueViolation;
using mcp::storage::Value;

namespace {

std::unique_ptr<Database> open(const std::string& url) {
  return mcp::storage::open_database(mcp::storage::parse_database_url(url));
}

constexpr const char* kTestSchema = R"sql(
CREATE TABLE parents (
  id    TEXT PRIMARY KEY,
  slug  TEXT NOT NULL UNIQUE
);
CREATE TABLE items (
  id         INTEGER PRIMARY KEY,
  parent_id  TEXT REFERENCES parents (id),
  role       TEXT NOT NULL DEFAULT 'MEMBER' CHECK (role IN ('ADMIN', 'MEMBER', 'VIEWER')),
  n          BIGINT,
  r          DOUBLE PRECISION,
  s          TEXT,
  b          BOOLEAN
);
CREATE TABLE writes (
  thread_idx  BIGINT NOT NULL,
  write_idx   BIGINT NOT NULL,
  PRIMARY KEY (thread_idx, write_idx)
);
)sql";

void create_test_schema(Database& db) {
  db.write([](Transaction& session) { session.execute_script(kTestSchema); });
}

constexpr Query kInsertParent{"test_insert_parent", "INSERT INTO parents (id, slug) VALUES ($1, $2)"};
constexpr Query kInsertItem{"test_insert_item",
                            "INSERT INTO items (id, parent_id, role, n, r, s, b) VALUES ($1, $2, $3, $4, $5, $6, $7)"};
constexpr Query kSelectItem{"test_select_item", "SELECT n, r, s, b, typeof(r), typeof(s) FROM items WHERE id = $1"};
constexpr Query kCountItems{"test_count_items", "SELECT COUNT(*) FROM items"};
constexpr Query kInsertWrite{"test_insert_write", "INSERT INTO writes (thread_idx, write_idx) VALUES ($1, $2)"};
constexpr Query kCountWrites{"test_count_writes", "SELECT COUNT(*), COALESCE(SUM(thread_idx * 1000 + write_idx), 0) FROM writes"};
constexpr Query kFailedWritesPresent{"test_failed_writes_present", "SELECT COUNT(*) FROM writes WHERE write_idx % 10 = 7"};
constexpr Query kListTables{"test_list_tables",
                            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"};
constexpr Query kListSchemaObjects{"test_list_schema_objects",
                                   "SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"};

int64_t count_items(Database& db) {
  return mcp::storage::read_value(db, [](Transaction& session) { return session.query(kCountItems).at(0).int64(0); });
}

Row single_row(Database& db, const Query& query, std::vector<Value> params) {
  Rows rows = mcp::storage::read_value(db, [&](Transaction& session) { return session.query(query, params); });
  REQUIRE(rows.size() == 1);
  return rows.front();
}

}  // namespace

TEST_CASE("sqlite: $1..$n bind by number, whatever their order or repetition in the SQL") {
  static constexpr Query kReversed{"test_reversed", "SELECT $2 || '-' || $1 || '-' || $2"};
  static constexpr Query kTwice{"test_twice", "SELECT $1 + $1, $1 * $2"};
  static constexpr Query kDescending{"test_descending", "SELECT $3, $2, $1"};
  static constexpr Query kMany{"test_many", "SELECT $10 || $1 || $9 || $2 || $8 || $3 || $7 || $4 || $6 || $5"};
  static constexpr Query kInWhere{"test_in_where", "SELECT COUNT(*) FROM (SELECT 1 AS x UNION ALL SELECT 2) WHERE x = $2 OR x = $1"};

  auto db = open(":memory:");
  Row reversed = single_row(*db, kReversed, {std::string("a"), std::string("b")});
  CHECK(reversed.text(0) == "b-a-b");

  Row twice = single_row(*db, kTwice, {int64_t{21}, int64_t{3}});
  CHECK(twice.int64(0) == 42);
  CHECK(twice.int64(1) == 63);

  Row descending = single_row(*db, kDescending, {int64_t{1}, std::string("two"), int64_t{3}});
  CHECK(descending.int64(0) == 3);
  CHECK(descending.text(1) == "two");
  CHECK(descending.int64(2) == 1);

  std::vector<Value> ten;
  for (int64_t k = 0; k < 10; ++k) ten.emplace_back(std::string(1, static_cast<char>('a' + k)));
  CHECK(single_row(*db, kMany, ten).text(0) == "jaibhcgdfe");

  // A statement is cached per connection: the second run must bind afresh, not reuse old values.
  CHECK(single_row(*db, kReversed, {std::string("x"), std::string("y")}).text(0) == "y-x-y");
  CHECK(single_row(*db, kInWhere, {int64_t{7}, int64_t{2}}).int64(0) == 1);

  SUBCASE("a wrong number of parameters is refused") {
    CHECK_THROWS_AS(single_row(*db, kReversed, {std::string("only one")}), StorageError);
    CHECK_THROWS_AS(single_row(*db, kReversed, {std::string("a"), std::string("b"), std::string("c")}),
                    StorageError);
  }
}

TEST_CASE("sqlite: NULL, booleans, integers, reals and text round-trip through Row's getters") {
  mcp::test::TempDir dir;
  const std::string urls[] = {":memory:", "file:" + (dir / "values.db").string()};
  for (const std::string& url : urls) {
    INFO(url);
    auto db = open(url);
    create_test_schema(*db);
    const std::string unicode = "h\xC3\xA9llo \xE2\x9C\x93 \"quoted\" 'single'";
    struct Case {
      int64_t id;
      Value n, r, s, b;
    };
    const Case cases[] = {
        {1, int64_t{42}, 2.5, std::string("text"), true},
        {2, std::numeric_limits<int64_t>::max(), -0.125, unicode, false},
        {3, std::numeric_limits<int64_t>::min(), 1e300, std::string(""), true},
        {4, null_value(), null_value(), null_value(), null_value()},
        {5, int64_t{-1}, 0.1, std::string("12345"), false},
    };
    for (const auto& c : cases) {
      db->write([&](Transaction& session) {
        Value params[] = {c.id, null_value(), std::string("MEMBER"), c.n, c.r, c.s, c.b};
        CHECK(session.execute(kInsertItem, params) == 1);
      });
    }

    Row one = single_row(*db, kSelectItem, {int64_t{1}});
    CHECK(one.int64(0) == 42);
    CHECK(one.text(0) == "42");
    CHECK(one.text(4) == "real");
    CHECK(one.text(2) == "text");
    CHECK(one.boolean(3) == true);
    CHECK(one.int64(3) == 1);

    Row two = single_row(*db, kSelectItem, {int64_t{2}});
    CHECK(two.int64(0) == std::numeric_limits<int64_t>::max());
    CHECK(two.text(2) == unicode);
    CHECK(two.boolean(3) == false);

    Row three = single_row(*db, kSelectItem, {int64_t{3}});
    CHECK(three.int64(0) == std::numeric_limits<int64_t>::min());
    CHECK_FALSE(three.is_null(2));  // the empty string is not NULL
    CHECK(three.text(2) == "");
    CHECK(three.opt_text(2) == std::optional<std::string>(""));
    CHECK(three.text(5) == "text");

    Row four = single_row(*db, kSelectItem, {int64_t{4}});
    for (size_t col = 0; col < 4; ++col) CHECK(four.is_null(col));
    CHECK(four.opt_int64(0) == std::nullopt);
    CHECK(four.opt_text(2) == std::nullopt);
    CHECK_THROWS_AS(four.text(2), StorageError);
    CHECK_THROWS_AS(four.int64(0), StorageError);
    CHECK_THROWS_AS(four.boolean(3), StorageError);

    Row five = single_row(*db, kSelectItem, {int64_t{5}});
    CHECK(five.opt_int64(0) == std::optional<int64_t>(-1));
    CHECK(five.text(2) == "12345");
    CHECK(five.int64(2) == 12345);  // numeric text converts, as PostgreSQL's text cells do

    // Reals keep their exact value: compare in SQL, where no formatting is involved.
    static constexpr Query kRealEquals{"test_real_equals", "SELECT r = $2 FROM items WHERE id = $1"};
    const std::pair<int64_t, double> reals[] = {{1, 2.5}, {2, -0.125}, {3, 1e300}, {5, 0.1}};
    for (const auto& [id, real] : reals) {
      INFO(id);
      CHECK(single_row(*db, kRealEquals, {id, real}).boolean(0));
    }
    // A boolean parameter compares like SQLite's stored 0/1.
    static constexpr Query kBoolEquals{"test_bool_equals", "SELECT COUNT(*) FROM items WHERE b = $1"};
    CHECK(single_row(*db, kBoolEquals, {true}).int64(0) == 2);
    CHECK(single_row(*db, kBoolEquals, {false}).int64(0) == 2);
  }
}

TEST_CASE("sqlite: constraint failures are translated into the storage error kinds") {
  auto db = open(":memory:");
  create_test_schema(*db);
  db->write([](Transaction& session) {
    Value params[] = {std::string("p1"), std::string("acme")};
    session.execute(kInsertParent, params);
  });

  struct Case {
    const char* what;
    std::vector<Value> params;
    const Query* query;
    int kind;  // 0 unique, 1 foreign key, 2 check
  };
  const Case cases[] = {
      {"duplicate primary key", {std::string("p1"), std::string("other")}, &kInsertParent, 0},
      {"duplicate unique column", {std::string("p2"), std::string("acme")}, &kInsertParent, 0},
      {"missing parent",
       {int64_t{1}, std::string("no-such-parent"), std::string("MEMBER"), null_value(), null_value(), null_value(),
        null_value()},
       &kInsertItem,
       1},
      {"role outside the CHECK list",
       {int64_t{2}, std::string("p1"), std::string("OWNER"), null_value(), null_value(), null_value(), null_value()},
       &kInsertItem,
       2},
      {"NULL in a NOT NULL column",
       {int64_t{3}, std::string("p1"), null_value(), null_value(), null_value(), null_value(), null_value()},
       &kInsertItem,
       2},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.what));
    auto attempt = [&] { db->write([&](Transaction& session) { session.execute(*c.query, c.params); }); };
    switch (c.kind) {
      case 0: CHECK_THROWS_AS(attempt(), UniqueViolation); break;
      case 1: CHECK_THROWS_AS(attempt(), ForeignKeyViolation); break;
      case 2: CHECK_THROWS_AS(attempt(), CheckViolation); break;
    }
  }

  SUBCASE("messages name the query and never carry parameter values") {
    try {
      db->write([](Transaction& session) {
        Value params[] = {std::string("p9"), std::string("acme")};
        session.execute(kInsertParent, params);
      });
      FAIL("duplicate accepted");
    } catch (const UniqueViolation& e) {
      std::string message = e.what();
      CHECK(message.find("test_insert_parent") != std::string::npos);
      CHECK(message.find("p9") == std::string::npos);
    }
  }
  SUBCASE("other SQL errors are plain StorageErrors") {
    static constexpr Query kBroken{"test_broken", "SELEC nonsense"};
    try {
      db->write([](Transaction& session) { session.execute(kBroken); });
      FAIL("broken SQL accepted");
    } catch (const UniqueViolation&) {
      FAIL("a syntax error became a UniqueViolation");
    } catch (const ForeignKeyViolation&) {
      FAIL("a syntax error became a ForeignKeyViolation");
    } catch (const CheckViolation&) {
      FAIL("a syntax error became a CheckViolation");
    } catch (const Unavailable&) {
      FAIL("a syntax error became Unavailable");
    } catch (const StorageError& e) {
      CHECK(std::string(e.what()).find("test_broken") != std::string::npos);
    }
  }
  // None of the refused writes left anything behind.
  CHECK(count_items(*db) == 0);
}

namespace {

int64_t count_writes(Database& db) {
  return mcp::storage::read_value(db, [](Transaction& session) { return session.query(kCountWrites).at(0).int64(0); });
}

}  // namespace

TEST_CASE("sqlite: a throwing write rolls back its own changes and reaches the caller unchanged") {
  mcp::test::TempDir dir;
  const std::string urls[] = {":memory:", "file:" + (dir / "writes.db").string()};
  for (const std::string& url : urls) {
    INFO(url);
    auto db = open(url);
    create_test_schema(*db);

    CHECK_THROWS_WITH_AS(db->write([](Transaction& session) {
      Value params[] = {int64_t{0}, int64_t{1}};
      session.execute(kInsertWrite, params);
      throw std::runtime_error("changed my mind");
    }),
                         "changed my mind", std::runtime_error);
    // A constraint failure after a good insert undoes both.
    CHECK_THROWS_AS(db->write([](Transaction& session) {
      Value first[] = {int64_t{0}, int64_t{2}};
      session.execute(kInsertWrite, first);
      session.execute(kInsertWrite, first);
    }),
                    UniqueViolation);
    CHECK(count_writes(*db) == 0);

    db->write([](Transaction& session) {
      Value params[] = {int64_t{0}, int64_t{1}};
      session.execute(kInsertWrite, params);
    });
    CHECK(count_writes(*db) == 1);
  }
}

TEST_CASE("sqlite: within_savepoint undoes only its own changes when it throws; the write goes on and commits") {
  auto db = open(":memory:");
  create_test_schema(*db);
  db->write([](Transaction& session) {
    Value kept[] = {int64_t{1}, int64_t{1}};
    session.execute(kInsertWrite, kept);
    CHECK_THROWS_AS(session.within_savepoint([&] {
      Value undone[] = {int64_t{1}, int64_t{2}};
      session.execute(kInsertWrite, undone);
      session.execute(kInsertWrite, kept);  // the unique key refuses it
    }),
                    UniqueViolation);
    session.within_savepoint([&] {
      Value after[] = {int64_t{1}, int64_t{3}};
      session.execute(kInsertWrite, after);
    });
  });
  Row row = single_row(*db, kCountWrites, {});
  CHECK(row.int64(0) == 2);              // (1,1) and (1,3); (1,2) was undone with its savepoint
  CHECK(row.int64(1) == 1001 + 1003);
}

TEST_CASE("sqlite: failing writes among 8 threads x 200 concurrent writes undo only themselves") {
  mcp::test::TempDir dir;
  const std::string urls[] = {":memory:", "file:" + (dir / "writes.db").string()};
  for (const std::string& url : urls) {
    INFO(url);
    auto db = open(url);
    create_test_schema(*db);

    constexpr int64_t kThreads = 8;
    constexpr int64_t kWritesPerThread = 200;
    std::atomic<int> wrong_outcomes{0};
    std::vector<std::thread> threads;
    for (int64_t thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
      threads.emplace_back([&, thread_idx] {
        for (int64_t write_idx = 0; write_idx < kWritesPerThread; ++write_idx) {
          const bool fails = write_idx % 10 == 7;
          try {
            db->write([&](Transaction& session) {
              Value params[] = {thread_idx, write_idx};
              session.execute(kInsertWrite, params);
              if (fails) throw std::runtime_error("job fails after its insert");
            });
            if (fails) ++wrong_outcomes;
          } catch (const std::runtime_error& e) {
            if (!fails || std::string(e.what()) != "job fails after its insert") ++wrong_outcomes;
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    CHECK(wrong_outcomes.load() == 0);

    int64_t expected_count = 0;
    int64_t expected_sum = 0;
    for (int64_t thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
      for (int64_t write_idx = 0; write_idx < kWritesPerThread; ++write_idx) {
        if (write_idx % 10 == 7) continue;
        ++expected_count;
        expected_sum += thread_idx * 1000 + write_idx;
      }
    }
    Row totals = single_row(*db, kCountWrites, {});
    CHECK(totals.int64(0) == expected_count);
    CHECK(totals.int64(1) == expected_sum);
    CHECK(single_row(*db, kFailedWritesPresent, {}).int64(0) == 0);

    if (url != ":memory:") {
      // Durable: a fresh connection on the file sees every committed write.
      db->close();
      auto reopened = open(url);
      CHECK(count_writes(*reopened) == expected_count);
    }
  }
}

TEST_CASE("sqlite: reads of a file database see what other connections committed") {
  mcp::test::TempDir dir;
  const std::string url = "file:" + (dir / "shared.db").string();
  auto writer = open(url);
  create_test_schema(*writer);
  auto other = open(url);

  CHECK(count_items(*other) == 0);  // leaves an idle reader connection in the pool
  writer->write([](Transaction& session) {
    Value params[] = {int64_t{1}, null_value(), std::string("ADMIN"), int64_t{7}, null_value(), null_value(), true};
    session.execute(kInsertItem, params);
  });
  CHECK(count_items(*other) == 1);  // the pooled reader's next transaction sees the commit
  CHECK(count_items(*writer) == 1);

  other->write([](Transaction& session) {
    Value params[] = {int64_t{2}, null_value(), std::string("VIEWER"), int64_t{8}, null_value(), null_value(), false};
    session.execute(kInsertItem, params);
  });
  CHECK(count_items(*writer) == 2);

  SUBCASE("a read transaction cannot write") {
    CHECK_THROWS_AS(writer->read([](Transaction& session) {
      Value params[] = {int64_t{3}, null_value(), std::string("ADMIN"), null_value(), null_value(), null_value(),
                        null_value()};
      session.execute(kInsertItem, params);
    }),
                    StorageError);
    CHECK(count_items(*other) == 2);
  }
}

TEST_CASE("sqlite: ping is a real check of the database file") {
  mcp::test::TempDir dir;
  const std::filesystem::path path = dir / "health.db";
  auto db = open("file:" + path.string());
  create_test_schema(*db);
  CHECK_NOTHROW(db->ping());

  SUBCASE("the file was deleted") {
    std::filesystem::remove(path);
    CHECK_THROWS_AS(db->ping(), Unavailable);
  }
  SUBCASE("the file was replaced") {
    std::filesystem::remove(path);
    mcp::test::write_file(path, "");
    CHECK_THROWS_AS(db->ping(), Unavailable);
  }
  SUBCASE("an in-memory database is always there") {
    auto memory = open(":memory:");
    CHECK_NOTHROW(memory->ping());
  }
}

TEST_CASE("sqlite: open refuses a path it cannot create, and a closed database refuses writes") {
  CHECK_THROWS_AS(open("file:/nonexistent-mcp-admin-dir/sub/mcp.db"), Unavailable);

  auto db = open(":memory:");
  create_test_schema(*db);
  db->close();
  CHECK_THROWS_AS(db->write([](Transaction&) {}), Unavailable);
}

TEST_CASE("sqlite: drop_all_tables leaves no tables, even with rows that reference each other") {
  mcp::test::TempDir dir;
  const std::string urls[] = {":memory:", "file:" + (dir / "drop.db").string()};
  for (const std::string& url : urls) {
    INFO(url);
    auto db = open(url);
    const auto migrations = mcp::storage::embedded_migrations();
    REQUIRE(mcp::storage::apply_migrations(*db, migrations) == static_cast<int>(migrations.size()));
    create_test_schema(*db);
    db->write([](Transaction& session) {
      Value parent[] = {std::string("p1"), std::string("acme")};
      session.execute(kInsertParent, parent);
      Value item[] = {int64_t{1}, std::string("p1"), std::string("ADMIN"), null_value(), null_value(), null_value(),
                      null_value()};
      session.execute(kInsertItem, item);
      session.execute_script(
          "INSERT INTO organizations (id, clerk_id, name, created_at, updated_at) VALUES ('o1', 'org_1', 'Acme', 1, 1);"
          "INSERT INTO users (id, clerk_id, created_at, updated_at) VALUES ('u1', 'user_1', 1, 1);"
          "INSERT INTO organization_memberships (id, clerk_id, organization_id, user_id, created_at, updated_at) "
          "VALUES ('m1', 'orgmem_1', 'o1', 'u1', 1, 1);");
    });
    REQUIRE(single_row(*db, kListTables, {}).int64(0) > 10);

    db->drop_all_tables();
    CHECK(single_row(*db, kListTables, {}).int64(0) == 0);
    CHECK(single_row(*db, kListSchemaObjects, {}).int64(0) == 0);

    // And the schema can be built again from nothing.
    CHECK(mcp::storage::apply_migrations(*db, migrations) == static_cast<int>(migrations.size()));
  }
}
