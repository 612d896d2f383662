// UUIDv7 row ids (src/util/ids.*): one after another they only grow, so a cursor walk over rows
// one writer wrote in order cannot pass one; random within a millisecond, they did not.
#include "util/ids.h"

#include <doctest/doctest.h>

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
