#pragma once
// Structured logging to standard error: one line per event, text on a terminal, JSON otherwise.
// Never pass secrets, keys, tokens or request bodies as fields.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace mcp::util {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };
enum class LogFormat { Text, Json };

using LogField = std::pair<std::string_view, nlohmann::json>;

// Set once at start-up, before threads that log are started.
void configure_logging(LogLevel level, LogFormat format);

bool log_enabled(LogLevel level);

// Writes one line with a message and fields, in one write(2) so lines from threads never interleave.
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::Debug, m, f); }
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::Info, m, f); }
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::Warn, m, f); }
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) { log(LogLevel::Error, m, f); }

}  // namespace mcp::util
