#pragma once
// Identifiers the application generates for rows and requests.
#include <string>

namespace mcp::util {

// A UUIDv7 (RFC 9562) as lower-case text: time-ordered, so rows sort by creation and paginate.
std::string new_uuid_v7();

// A short random id for a request, for logs and the X-Request-Id header.
std::string new_request_id();

}  // namespace mcp::util
