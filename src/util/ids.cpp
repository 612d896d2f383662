#include "util/ids.h"

#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>

#include "util/crypto.h"
#include "util/time.h"

namespace mcp::util {

namespace {
// unix_ts_ms (48 bits) and a 12-bit counter, as one 60-bit number that only grows: a new
// millisecond starts the counter at 0, the same (or an earlier: the clock stepped back)
// millisecond takes the next value. 4096 ids in one millisecond borrow from the next one.
std::atomic<uint64_t> last_stamp{0};

std::string uuid_v7_above(uint64_t floor) {
  uint64_t now = static_cast<uint64_t>(now_ms()) << 12;
  uint64_t previous = last_stamp.load(std::memory_order_relaxed);
  uint64_t next = 0;
  do {
    next = std::max({now, previous + 1, floor + 1});
  } while (!last_stamp.compare_exchange_weak(previous, next, std::memory_order_relaxed));
  uint64_t ms = next >> 12;
  uint64_t counter = next & 0xfff;

  // From the kernel: no OpenSSL DRBG set-up on the start path (the first id is made at start).
  std::string bytes(16, '\0');
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) bytes = random_bytes(16);
  for (int idx = 0; idx < 6; ++idx) bytes[static_cast<size_t>(idx)] = static_cast<char>((ms >> (40 - 8 * idx)) & 0xff);
  bytes[6] = static_cast<char>(0x70 | (counter >> 8));  // version 7, then the counter's high 4 bits
  bytes[7] = static_cast<char>(counter & 0xff);
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  std::string hex = hex_encode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

// The 60-bit stamp of a UUIDv7 in our text form ("tttttttt-tttt-7ccc-…"); 0 for any other text.
uint64_t stamp_of(std::string_view id) {
  if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[14] != '7') return 0;
  uint64_t stamp = 0;
  for (size_t idx : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 15, 16, 17}) {
    char c = id[idx];
    int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return 0;
    stamp = stamp << 4 | static_cast<uint64_t>(digit);
  }
  return stamp;
}
}  // namespace

std::string new_uuid_v7() { return uuid_v7_above(0); }

std::string new_uuid_v7_after(std::string_view floor) { return uuid_v7_above(stamp_of(floor)); }

// Request ids need to be unique, not secret: a per-thread generator seeded once from the kernel
// keeps OpenSSL's DRBG (its locks and fork check) off every request's path.
std::string new_request_id() {
  thread_local std::mt19937_64 generator = [] {
    uint64_t seed = 0;
    if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
      seed = static_cast<uint64_t>(now_ms()) ^ reinterpret_cast<uintptr_t>(&seed);
    }
    return std::mt19937_64(seed);
  }();
  uint64_t value = generator();
  return hex_encode(std::string_view(reinterpret_cast<const char*>(&value), sizeof value));
}

}  // namespace mcp::util
