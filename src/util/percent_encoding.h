#pragma once
// Percent-encoding (RFC 3986 §2.1): every byte but the unreserved characters becomes %XX. Safe for
// a path segment, a query value and an application/x-www-form-urlencoded value alike.
#include <string>
#include <string_view>

namespace mcp::util {

std::string percent_encode(std::string_view text);

}  // namespace mcp::util
