// Time at the edges (src/util/time.*): ISO-8601 with milliseconds out, ISO-8601 and durations in.
#include "util/time.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>

using mcp::util::format_iso8601_ms;
using mcp::util::now_ms;
using mcp::util::parse_duration_ms;
using mcp::util::parse_iso8601_ms;

TEST_CASE("time: format_iso8601_ms is UTC with milliseconds and Z") {
  struct Case {
    int64_t epoch_ms;
    const char* text;
  };
  const Case cases[] = {
      {0, "1970-01-01T00:00:00.000Z"},
      {1, "1970-01-01T00:00:00.001Z"},
      {999, "1970-01-01T00:00:00.999Z"},
      {1704067200000, "2024-01-01T00:00:00.000Z"},
      {1704067199999, "2023-12-31T23:59:59.999Z"},
      {1709164800123, "2024-02-29T00:00:00.123Z"},
      {1709251199999, "2024-02-29T23:59:59.999Z"},
      {951782400000, "2000-02-29T00:00:00.000Z"},
      {2147483648000, "2038-01-19T03:14:08.000Z"},
      {253402300799999, "9999-12-31T23:59:59.999Z"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {-1000, "1969-12-31T23:59:59.000Z"},
      {-1001, "1969-12-31T23:59:58.999Z"},
  };
  for (const auto& c : cases) {
    INFO(c.epoch_ms);
    CHECK(format_iso8601_ms(c.epoch_ms) == c.text);
  }
}

TEST_CASE("time: parse_iso8601_ms accepts Z, offsets and fractions") {
  struct Case {
    const char* text;
    int64_t epoch_ms;
  };
  const Case cases[] = {
      {"2024-01-01T00:00:00Z", 1704067200000},
      {"2024-01-01T00:00:00.000Z", 1704067200000},
      {"2024-01-01T00:00:00z", 1704067200000},
      {"2024-01-01 00:00:00Z", 1704067200000},
      {"2024-01-01T00:00:00.5Z", 1704067200500},
      {"2024-01-01T00:00:00.05Z", 1704067200050},
      {"2024-01-01T00:00:00.123Z", 1704067200123},
      {"2024-01-01T00:00:00.123456789Z", 1704067200123},
      {"2024-01-01T02:00:00+02:00", 1704067200000},
      {"2024-01-01T02:00:00+0200", 1704067200000},
      {"2023-12-31T19:00:00-05:00", 1704067200000},
      {"2024-01-01T05:30:00.250+05:30", 1704067200250},
      {"2024-01-01T00:00:00+00:00", 1704067200000},
      {"2024-01-01T00:00:00-00:00", 1704067200000},
      {"2024-01-01T00:00:00+23:59", 1704067200000 - (23 * 60 + 59) * 60'000LL},
      {"2024-02-29T00:00:00.123Z", 1709164800123},
      {"2024-03-01T00:00:00Z", 1709251200000},
      {"2000-02-29T00:00:00Z", 951782400000},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59.999Z", -1},
      {"2038-01-19T03:14:08Z", 2147483648000},
      {"9999-12-31T23:59:59.999Z", 253402300799999},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.text));
    CHECK(parse_iso8601_ms(c.text) == std::optional<int64_t>(c.epoch_ms));
  }
}

TEST_CASE("time: parse_iso8601_ms refuses what is not a timestamp") {
  const char* invalid[] = {
      "",
      "2024",
      "2024-01-01",
      "2024-01-01T00:00:00",  // no zone: ambiguous
      "2024-01-01T00:00Z",
      "2024-1-01T00:00:00Z",
      "24-01-01T00:00:00Z",
      "2024/01/01T00:00:00Z",
      "2024-01-01t00:00:00Z",
      "2024-00-10T00:00:00Z",
      "2024-13-01T00:00:00Z",
      "2024-01-00T00:00:00Z",
      "2024-01-32T00:00:00Z",
      "2023-02-29T00:00:00Z",  // not a leap year
      "1900-02-29T00:00:00Z",  // divisible by 100, not by 400
      "2024-02-30T00:00:00Z",
      "2024-04-31T00:00:00Z",
      "2024-06-31T00:00:00Z",
      "2024-09-31T00:00:00Z",
      "2024-11-31T00:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01T12:60:00Z",
      "2024-01-01T12:00:61Z",
      "2024-01-01T00:00:00.Z",
      "2024-01-01T00:00:00,5Z",
      "2024-01-01T00:00:00ZZ",
      "2024-01-01T00:00:00Z ",
      " 2024-01-01T00:00:00Z",
      "2024-01-01T00:00:00+2:00",
      "2024-01-01T00:00:00+02",
      "2024-01-01T00:00:00+02:0",
      "2024-01-01T00:00:00+24:00",
      "2024-01-01T00:00:00+02:60",
      "2024-01-01T00:00:00+99:99",
      "2024-01-01T00:00:00 UTC",
      "not a date at all",
  };
  for (const char* text : invalid) {
    INFO(std::string(text));
    CHECK(parse_iso8601_ms(text) == std::nullopt);
  }
}

TEST_CASE("time: format then parse is the identity, and now_ms is now") {
  const int64_t samples[] = {0, 1, -1, 86'399'999, 951'782'400'000, 1'709'164'800'123, 1'704'067'199'999,
                             4'102'444'800'000, 253'402'300'799'999};
  for (int64_t epoch_ms : samples) {
    INFO(epoch_ms);
    CHECK(parse_iso8601_ms(format_iso8601_ms(epoch_ms)) == std::optional<int64_t>(epoch_ms));
  }
  const int64_t now = now_ms();
  CHECK(now > 1'704'067'200'000);  // after 2024-01-01
  CHECK(parse_iso8601_ms(format_iso8601_ms(now)) == std::optional<int64_t>(now));
  const std::string formatted = format_iso8601_ms(now);
  CHECK(formatted.size() == 24);
  CHECK(formatted.back() == 'Z');
}

TEST_CASE("time: parse_duration_ms reads a number and a unit") {
  struct Case {
    const char* text;
    int64_t ms;
  };
  const Case cases[] = {
      {"30s", 30'000},
      {"1s", 1'000},
      {"15m", 900'000},
      {"12h", 43'200'000},
      {"1d", 86'400'000},
      {"90d", 7'776'000'000},
      {"365d", 31'536'000'000},
      {"0090d", 7'776'000'000},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.text));
    CHECK(parse_duration_ms(c.text) == std::optional<int64_t>(c.ms));
  }
  const char* invalid[] = {
      "",    "s",    "d",     "30",   "0s",   "0d",  "-5m",  "+5m", "1.5h", "5 m", " 5m", "5m ", "5M",
      "5H",  "5w",   "5y",    "5ms",  "m5",   "abc", "5mm",  "1e3s",
      "9223372036854775807d",  // would overflow
      "99999999999999999999s",
  };
  for (const char* text : invalid) {
    INFO(std::string(text));
    CHECK(parse_duration_ms(text) == std::nullopt);
  }
}
