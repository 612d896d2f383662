// UUIDv7 row ids (src/util/ids.*): one after another they only grow, so a cursor walk over rows
// one writer wrote in order cannot pass one; random within a millisecond, they did not.
#include "util/ids.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

TEST_CASE("ids: UUIDv7 made one after another are strictly increasing, also within a millisecond") {
  std::string previous = mcp::util::new_uuid_v7();
  int out_of_order = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string id = mcp::util::new_uuid_v7();
    if (!(previous < id)) ++out_of_order;
    previous = id;
  }
  CHECK(out_of_order == 0);
}

TEST_CASE("ids: UUIDv7 shape (version 7, RFC 9562 variant, lower-case) and uniqueness across threads") {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& list : made) {
    threads.emplace_back([&list] {
      for (int i = 0; i < 20000; ++i) list.push_back(mcp::util::new_uuid_v7());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  int malformed = 0, not_growing = 0;
  for (const auto& list : made) {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string& id = list[i];
      bool shaped = id.size() == 36 && id[14] == '7' && std::string("89ab").find(id[19]) != std::string::npos &&
                    id.find_first_not_of("0123456789abcdef-") == std::string::npos;
      if (!shaped) ++malformed;
      if (i > 0 && !(list[i - 1] < id)) ++not_growing;  // each thread sees its own ids grow
      all.insert(id);
    }
  }
  CHECK(malformed == 0);
  CHECK(not_growing == 0);
  CHECK(all.size() == 80000);
}

TEST_CASE("ids: an id made after a floor sorts after it, and so do the process's later ids; other text is no floor") {
  // A floor two seconds ahead of this clock: another instance's clock ran ahead when it wrote it.
  // (Not further: the process's later ids follow it, those of the other tests too.)
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  unsigned long long ms = static_cast<unsigned long long>(now_ms + 2000);
  char text[40];
  std::snprintf(text, sizeof text, "%08llx-%04llx-7123-8000-000000000000", ms >> 16, ms & 0xffff);
  std::string ahead = text;
  std::string after = mcp::util::new_uuid_v7_after(ahead);
  CHECK(ahead < after);
  CHECK(after.substr(0, 13) == ahead.substr(0, 13));  // same millisecond: the counter moved on
  CHECK(after[14] == '7');
  std::string later = mcp::util::new_uuid_v7();
  CHECK(after < later);

  // A floor of the maximal counter in its millisecond rolls over into the next millisecond.
  std::string full = later.substr(0, 15) + "fff" + later.substr(18);
  std::string next = mcp::util::new_uuid_v7_after(full);
  CHECK(full < next);
  CHECK(next.substr(15, 3) != "fff");

  // Ids of another shape (a cuid of the Prisma system, empty) are no floor: the id is a plain new one.
  for (std::string other : {"", "ckv9x3g2b0000qz8h1j2k3l4m", "ffffffff-ffff-ffff-ffff-ffffffffffff"}) {
    std::string plain = mcp::util::new_uuid_v7_after(other);
    CHECK(next < plain);
    if (!other.empty()) CHECK(plain < other);
  }
}
