#pragma once
#include <cstdio>
// Helpers every fuzz target shares: a reader that cuts the fuzzer's bytes into fields, so that one
// input can carry several strings (headers, a body) and mutations stay local to one of them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mcp::fuzz {

// Splits the input at a separator line: field(), field(), rest(). A separator that does not occur
// gives an empty field; the seeds in tests/fuzz/corpus/ use the same separator.
class FieldReader {
 public:
  FieldReader(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The bytes up to the next "\n--\n" (consumed), or everything left when there is none.
  std::string_view field() {
    size_t end = rest_.find(kSeparator);
    std::string_view field = rest_.substr(0, end);
    rest_ = end == std::string_view::npos ? std::string_view() : rest_.substr(end + kSeparator.size());
    return field;
  }
  // One byte as a small choice, 0 when the input is exhausted.
  uint8_t byte() {
    if (rest_.empty()) return 0;
    auto value = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }
  std::string_view rest() const { return rest_; }

  static constexpr std::string_view kSeparator = "\n--\n";

 private:
  std::string_view rest_;
};

// A failed property: abort so that libFuzzer records the input as a crash.
// The message goes to stderr first: without a symbolizer the stack trace names no function.
[[noreturn]] inline void property_failed(const char* what) {
  std::fprintf(stderr, "property failed: %s\n", what);
  __builtin_trap();
}

}  // namespace mcp::fuzz
