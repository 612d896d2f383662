#include "util/ids.h"

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

std::string new_request_id() { return hex_encode(random_bytes(8)); }

}  // namespace mcp::util
