#include "util/ids.h"

#include <sys/random.h>

#include <cstdint>
#include <random>

#include "util/crypto.h"
#include "util/time.h"

namespace mcp::util {

std::string new_uuid_v7() {
  std::string bytes = random_bytes(16);
  uint64_t ms = static_cast<uint64_t>(now_ms());
  for (int idx = 0; idx < 6; ++idx) bytes[static_cast<size_t>(idx)] = static_cast<char>((ms >> (40 - 8 * idx)) & 0xff);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x70);  // version 7
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 9562 variant
  std::string hex = hex_encode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

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
