#include "storage/database.h"

#include <charconv>
#include <stdexcept>

#include "storage/errors.h"

namespace mcp::storage {

const char* engine_name(Engine engine) { return engine == Engine::Sqlite ? "sqlite" : "postgresql"; }

namespace {
[[noreturn]] void bad_type(size_t idx, const char* wanted) {
  throw StorageError("column " + std::to_string(idx) + " is not " + wanted);
}
}  // namespace

bool Row::is_null(size_t idx) const { return std::holds_alternative<std::monostate>(cells_.at(idx)); }

std::string Row::text(size_t idx) const {
  const Value& v = cells_.at(idx);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *d);  // shortest round-trip form, as PostgreSQL prints
    return std::string(buffer, ec == std::errc() ? end : buffer);
  }
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  bad_type(idx, "text (it is NULL)");
}

std::optional<std::string> Row::opt_text(size_t idx) const {
  if (is_null(idx)) return std::nullopt;
  return text(idx);
}

int64_t Row::int64(size_t idx) const {
  const Value& v = cells_.at(idx);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && end == s->data() + s->size()) return out;
  }
  bad_type(idx, "an integer");
}

std::optional<int64_t> Row::opt_int64(size_t idx) const {
  if (is_null(idx)) return std::nullopt;
  return int64(idx);
}

bool Row::boolean(size_t idx) const {
  const Value& v = cells_.at(idx);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* i = std::get_if<int64_t>(&v)) return *i != 0;
  if (auto* s = std::get_if<std::string>(&v)) {
    if (*s == "t" || *s == "true" || *s == "1") return true;
    if (*s == "f" || *s == "false" || *s == "0") return false;
  }
  bad_type(idx, "a boolean");
}

}  // namespace mcp::storage
