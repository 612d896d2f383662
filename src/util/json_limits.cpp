#include "util/json_limits.h"

namespace mcp::util {

namespace {
// Thrown from the parser callback to stop at the first container past the limit; caught below.
struct TooDeep {};
}  // namespace

LimitedJson parse_json_limited(std::string_view text, size_t max_depth) {
  LimitedJson result;
  // The callback sees a container's start with the depth of the level that holds it (0 for the
  // top-level value), so the container itself is at depth + 1.
  auto stop_when_too_deep = [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        static_cast<size_t>(depth) + 1 > max_depth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    result.value = nlohmann::json::parse(text, stop_when_too_deep, /*allow_exceptions=*/false);
  } catch (const TooDeep&) {
    result.value = nlohmann::json(nlohmann::json::value_t::discarded);
    result.error = LimitedJson::Error::TooDeep;
    return result;
  }
  if (result.value.is_discarded()) result.error = LimitedJson::Error::Syntax;
  return result;
}

}  // namespace mcp::util
