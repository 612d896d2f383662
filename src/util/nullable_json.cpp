#include "util/nullable_json.h"

#include "util/time.h"

namespace mcp::util {

nlohmann::json nullable_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

nlohmann::json nullable_time(const std::optional<int64_t>& epoch_ms) {
  return epoch_ms ? nlohmann::json(format_iso8601_ms(*epoch_ms)) : nlohmann::json(nullptr);
}

}  // namespace mcp::util
