#pragma once
// JSON parsed with its nesting depth limited WHILE parsing, for every document that comes from
// outside (webhook bodies, admin API bodies, JWT headers and payloads, JWKS files, seed files, a
// health answer). nlohmann's parser is iterative, but copying, dumping and comparing a tree recurse:
// a 420 KB document nested 70,000 levels overflows a thread's stack, and a 1 MiB "[[[…" builds a
// tree of a million arrays (~300 MiB) before anything could measure its depth. Here the parse stops
// at the first container deeper than the limit, so neither the tree nor the stack ever grows past it.
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcp::util {

// The limit for documents read back from the database: this binary wrote them from inputs limited
// to 64 levels (webhooks) or 32 (admin API), and an audit row's before/after wraps them in a few more.
inline constexpr size_t kMaxStoredJsonDepth = 128;

struct LimitedJson {
  enum class Error { None, Syntax, TooDeep };
  nlohmann::json value;  // discarded (is_discarded()) unless error == None
  Error error = Error::None;

  bool ok() const { return error == Error::None; }
};

// Parses `text` as JSON; a document whose containers nest more than `max_depth` levels ("{}" and
// "[1]" are one level, "[[1]]" two) is refused as TooDeep without building what lies deeper.
// Never throws for bad input.
LimitedJson parse_json_limited(std::string_view text, size_t max_depth);

}  // namespace mcp::util
