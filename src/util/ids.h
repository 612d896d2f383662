#pragma once
// Identifiers the application generates for rows and requests.
#include <string>
#include <string_view>

namespace mcp::util {

// A UUIDv7 (RFC 9562) as lower-case text: time-ordered, so rows sort by creation and paginate.
// Strictly increasing within the process (RFC 9562 §6.2 method 1: the 12 bits of rand_a count
// within a millisecond), so rows written one after another by one writer sort in that order and a
// cursor walk cannot pass a row that commits after it.
std::string new_uuid_v7();

// A UUIDv7 that sorts after `floor` (an id another writer, perhaps another process with a clock
// behind ours, committed), and after every id this process made; later ids of the process follow it.
// A floor that is not one of our UUIDv7s is ignored.
std::string new_uuid_v7_after(std::string_view floor);

// A short random id for a request, for logs and the X-Request-Id header.
std::string new_request_id();

}  // namespace mcp::util
