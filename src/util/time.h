#pragma once
// Time at the edges: milliseconds since the Unix epoch inside, ISO-8601 UTC with milliseconds outside.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::util {

// Milliseconds since the Unix epoch, from the system clock.
int64_t now_ms();

// "2024-01-01T00:00:00.000Z": the one format every timestamp leaves the binary in.
std::string format_iso8601_ms(int64_t epoch_ms);

// Parses "2024-01-01T00:00:00Z", with optional fraction and a Z or ±hh:mm offset; nullopt if malformed.
std::optional<int64_t> parse_iso8601_ms(std::string_view text);

// Parses a duration like "30s", "15m", "12h", "90d" into milliseconds; nullopt if malformed.
std::optional<int64_t> parse_duration_ms(std::string_view text);

}  // namespace mcp::util
