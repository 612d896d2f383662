#pragma once
// The JSON of an optional value, as every view of the API and the audit trail writes it: null when
// absent. Times are ISO-8601 (UTC, milliseconds) texts of epoch milliseconds.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mcp::util {

nlohmann::json nullable_text(const std::optional<std::string>& text);
nlohmann::json nullable_time(const std::optional<int64_t>& epoch_ms);

}  // namespace mcp::util
