#include "util/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "util/time.h"

namespace mcp::util {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<int> g_format{static_cast<int>(LogFormat::Text)};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    case LogLevel::Off: return "off";
  }
  return "info";
}

// Appends `text` to a text log line so that it can neither end the line nor pass for another field:
// control characters (C0, DEL, C1), the Unicode line and paragraph separators and bytes that are
// not UTF-8 are escaped (\n, \r, \t, \xNN, \u2028); a value holding a space, '"', '=' or '\\'
// (or nothing at all) is quoted, with '"' and '\\' escaped. Request text reaches log fields
// (paths, headers); unescaped, "GET /x%0a2026-… error forged" would forge a line.
void append_escaped(std::string& line, std::string_view text, bool quote_when_needed) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool quote = quote_when_needed && (text.empty() || text.find_first_of(" \"=\\") != std::string_view::npos);
  if (quote) line += '"';
  size_t idx = 0;
  while (idx < text.size()) {
    unsigned char byte = static_cast<unsigned char>(text[idx]);
    if (byte >= 0x20 && byte < 0x7f) {
      if (quote && (byte == '"' || byte == '\\')) line += '\\';
      line += static_cast<char>(byte);
      ++idx;
      continue;
    }
    // A well-formed UTF-8 sequence of a printable character is kept as it is.
    size_t length = byte >= 0xf0 && byte <= 0xf4 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc2 && byte < 0xe0 ? 2 : 0;
    if (byte >= 0x80 && length > 0 && idx + length <= text.size()) {
      uint32_t code = byte & (length == 2 ? 0x1f : length == 3 ? 0x0f : 0x07);
      bool well_formed = true;
      for (size_t k = 1; k < length; ++k) {
        unsigned char next = static_cast<unsigned char>(text[idx + k]);
        well_formed = well_formed && (next & 0xc0) == 0x80;
        code = (code << 6) | (next & 0x3f);
      }
      bool shortest = (length == 3 && code >= 0x800) || (length == 4 && code >= 0x10000 && code <= 0x10ffff) || length == 2;
      bool surrogate = code >= 0xd800 && code <= 0xdfff;
      if (well_formed && shortest && !surrogate) {
        if (code < 0xa0) {  // C1 controls (U+0080..U+009F, NEL among them)
          line += "\\u00";
          line += kHex[code >> 4];
          line += kHex[code & 0xf];
        } else if (code == 0x2028 || code == 0x2029) {
          line += code == 0x2028 ? "\\u2028" : "\\u2029";
        } else {
          line.append(text.substr(idx, length));
        }
        idx += length;
        continue;
      }
    }
    switch (byte) {
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      case '\t': line += "\\t"; break;
      default:
        line += "\\x";
        line += kHex[byte >> 4];
        line += kHex[byte & 0xf];
    }
    ++idx;
  }
  if (quote) line += '"';
}

void write_all(const std::string& line) {
  const char* data = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) return;  // nowhere to report a failure to log
    data += n;
    left -= static_cast<size_t>(n);
  }
}
}  // namespace

void configure_logging(LogLevel level, LogFormat format) {
  g_level = static_cast<int>(level);
  g_format = static_cast<int>(format);
}

bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  std::string line;
  std::string ts = format_iso8601_ms(now_ms());
  if (static_cast<LogFormat>(g_format.load(std::memory_order_relaxed)) == LogFormat::Json) {
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = level_name(level);
    j["msg"] = message;
    for (const auto& [key, value] : fields) j[std::string(key)] = value;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line.reserve(128);
    line += ts;
    line += ' ';
    line += level_name(level);
    line += ' ';
    append_escaped(line, message, false);
    for (const auto& [key, value] : fields) {
      line += ' ';
      append_escaped(line, key, false);
      line += '=';
      if (value.is_string()) {
        append_escaped(line, value.get_ref<const std::string&>(), true);
      } else {  // numbers and booleans as they are; an object or array as its JSON text, quoted
        append_escaped(line, value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), value.is_structured());
      }
    }
  }
  line += '\n';
  write_all(line);
}

}  // namespace mcp::util
