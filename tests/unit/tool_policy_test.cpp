// Per-tool decisions (src/domain/tool_policy.*): policy parsing, globs, the Mcp-Name value encoding
// of MCP 2026-07-28, role defaults and policies.
#include "domain/tool_policy.h"

#include <doctest/doctest.h>

#include <string>

using mcp::domain::decide_tool_access;
using mcp::domain::decode_mcp_header_value;
using mcp::domain::glob_matches;
using mcp::domain::InvalidToolPolicy;
using mcp::domain::McpRequestFacts;
using mcp::domain::parse_tool_policy;
using mcp::domain::ToolPolicy;
using nlohmann::json;

namespace {
McpRequestFacts call(const std::string& tool) { return {std::nullopt, "tools/call", tool}; }
McpRequestFacts method(const std::string& name) { return {std::nullopt, name, std::nullopt}; }
}  // namespace

TEST_CASE("tool policy: globs") {
  CHECK(glob_matches("search", "search"));
  CHECK_FALSE(glob_matches("search", "search_code"));
  CHECK(glob_matches("search_*", "search_code"));
  CHECK(glob_matches("search_*", "search_"));
  CHECK_FALSE(glob_matches("search_*", "search"));
  CHECK(glob_matches("*", ""));
  CHECK(glob_matches("*_repository", "delete_repository"));
  CHECK(glob_matches("a*b*c", "aXXbYYc"));
  CHECK_FALSE(glob_matches("a*b*c", "aXXbYY"));
  CHECK_FALSE(glob_matches("Search", "search"));  // tool names are case-sensitive
  // No exponential backtracking: a pathological pattern answers at once.
  CHECK_FALSE(glob_matches("*a*a*a*a*a*a*a*a*a*a*a*b", std::string(4000, 'a')));
}

TEST_CASE("tool policy: parsing") {
  auto policy = parse_tool_policy(json::parse(R"({"allow":["search_*"],"deny":["delete_*"],"require_method_headers":true})"));
  CHECK(policy.allow == std::vector<std::string>{"search_*"});
  CHECK(policy.deny == std::vector<std::string>{"delete_*"});
  CHECK(policy.require_method_headers);
  CHECK(parse_tool_policy(nullptr).is_default());
  CHECK(parse_tool_policy(json::object()).is_default());
  CHECK(parse_tool_policy(policy.to_json()).to_json() == policy.to_json());

  auto field_of = [](const char* text) {
    try {
      parse_tool_policy(json::parse(text));
    } catch (const InvalidToolPolicy& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  CHECK(field_of(R"({"allow":"search"})") == "allow");
  CHECK(field_of(R"({"deny":["ok", 3]})") == "deny[1]");
  CHECK(field_of(R"({"deny":["ok", ""]})") == "deny[1]");
  CHECK(field_of(R"({"deny":["has space"]})") == "deny[0]");
  CHECK(field_of(R"({"require_method_headers":"yes"})") == "require_method_headers");
  CHECK(field_of(R"({"block":[]})") == "block");
  CHECK(field_of(R"([])") == "");
}

TEST_CASE("tool policy: Mcp-Name value encoding") {
  CHECK(decode_mcp_header_value("get_weather") == "get_weather");
  CHECK(decode_mcp_header_value("file:///projects/my app/config.json") == "file:///projects/my app/config.json");
  // "wetter_öffnen" in the sentinel form (standard base64 of UTF-8).
  CHECK(decode_mcp_header_value("=?base64?d2V0dGVyX8O2ZmZuZW4=?=") == "wetter_\xc3\xb6" "ffnen");
  // A plain value that looks like the sentinel must itself be encoded: "=?base64?x?=" encoded.
  CHECK(decode_mcp_header_value("=?base64?PT9iYXNlNjQ/eD89?=") == "=?base64?x?=");
  CHECK_FALSE(decode_mcp_header_value("=?base64?not base64!?=").has_value());
  CHECK_FALSE(decode_mcp_header_value("=?base64?/w==?=").has_value());    // 0xff: not UTF-8
  CHECK_FALSE(decode_mcp_header_value("=?base64?AA==?=").has_value());    // NUL
  // The markers are case-sensitive: an upper-case one is a plain value, not "delete".
  CHECK(decode_mcp_header_value("=?BASE64?ZGVsZXRl?=") == "=?BASE64?ZGVsZXRl?=");
  CHECK_FALSE(decode_mcp_header_value(" leading").has_value());
  CHECK_FALSE(decode_mcp_header_value("trailing ").has_value());
  CHECK_FALSE(decode_mcp_header_value("bell\x07").has_value());
  CHECK_FALSE(decode_mcp_header_value("caf\xc3\xa9").has_value());  // raw UTF-8 must be sent encoded
  CHECK_FALSE(decode_mcp_header_value("").has_value());
}

TEST_CASE("tool policy: role defaults") {
  ToolPolicy none;
  for (const char* discovery : {"initialize", "ping", "tools/list", "resources/list", "resources/templates/list",
                                "prompts/list", "resources/read", "prompts/get", "notifications/initialized",
                                "completion/complete"}) {
    CAPTURE(discovery);
    CHECK(decide_tool_access("VIEWER", none, method(discovery)).allowed);
  }
  auto viewer_call = decide_tool_access("VIEWER", none, call("search"));
  CHECK_FALSE(viewer_call.allowed);
  CHECK(viewer_call.detail.find("VIEWER") != std::string::npos);
  CHECK(decide_tool_access("MEMBER", none, call("search")).allowed);
  CHECK(decide_tool_access("ADMIN", none, call("delete_repository")).allowed);
  CHECK(decide_tool_access("PLATFORM_ADMIN", none, call("delete_repository")).allowed);

  // No Mcp-Method: a VIEWER cannot show it is not a call, unless the proxy said it is not a POST.
  CHECK_FALSE(decide_tool_access("VIEWER", none, {}).allowed);
  CHECK(decide_tool_access("VIEWER", none, {std::string("GET"), std::nullopt, std::nullopt}).allowed);
  CHECK_FALSE(decide_tool_access("VIEWER", none, {std::string("POST"), std::nullopt, std::nullopt}).allowed);
  CHECK(decide_tool_access("MEMBER", none, {}).allowed);
}

TEST_CASE("tool policy: allow and deny") {
  auto policy = parse_tool_policy(json::parse(R"({"allow":["search_*","get_*"],"deny":["get_secret*"]})"));
  CHECK(decide_tool_access("MEMBER", policy, call("search_code")).allowed);
  CHECK(decide_tool_access("MEMBER", policy, call("get_issue")).allowed);
  auto denied = decide_tool_access("MEMBER", policy, call("get_secret_token"));
  CHECK_FALSE(denied.allowed);
  CHECK(denied.detail.find("deny \"get_secret*\"") != std::string::npos);  // deny wins over allow
  auto not_allowed = decide_tool_access("ADMIN", policy, call("delete_repository"));
  CHECK_FALSE(not_allowed.allowed);
  CHECK(not_allowed.detail.find("allow list") != std::string::npos);
  // Discovery is not a tool call: the policy does not apply to it.
  CHECK(decide_tool_access("MEMBER", policy, method("tools/list")).allowed);
  // A call that does not name its tool cannot pass a policy with globs.
  CHECK_FALSE(decide_tool_access("MEMBER", policy, {std::nullopt, "tools/call", std::nullopt}).allowed);

  auto deny_only = parse_tool_policy(json::parse(R"({"deny":["delete_*"]})"));
  CHECK(decide_tool_access("MEMBER", deny_only, call("anything")).allowed);
  CHECK_FALSE(decide_tool_access("MEMBER", deny_only, call("delete_repository")).allowed);

  auto strict = parse_tool_policy(json::parse(R"({"require_method_headers":true})"));
  CHECK_FALSE(decide_tool_access("MEMBER", strict, {}).allowed);
  CHECK(decide_tool_access("MEMBER", strict, {std::string("DELETE"), std::nullopt, std::nullopt}).allowed);
  CHECK(decide_tool_access("MEMBER", strict, call("x")).allowed);
}
