#pragma once
// Per-tool decisions of the gateway (README "Tool policies"; applied per request by
// src/http/routes_gateway.cpp to the cached decision's role and policy). MCP clients of revision 2026-07-28 name the JSON-RPC method and the tool in the
// `Mcp-Method` / `Mcp-Name` headers of every POST, so a proxy's auth subrequest (which never carries
// the body) still says which tool is called. The MCP server rejects a header that disagrees with
// its body (HeaderMismatch), so the headers can be trusted as far as the server behind them goes.
// Pure rules: no HTTP, no storage.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mcp::domain {

// A tool policy that cannot be used; `field` is the JSON path under tool_policy ("allow[2]").
class InvalidToolPolicy : public std::invalid_argument {
 public:
  InvalidToolPolicy(std::string field, const std::string& message)
      : std::invalid_argument(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// An organization's policy for one service: which tools `tools/call` may name.
struct ToolPolicy {
  std::vector<std::string> allow;       // globs; empty: every tool not denied
  std::vector<std::string> deny;        // globs; deny wins over allow
  bool require_method_headers = false;  // refuse POSTs without Mcp-Method (clients before 2026-07-28)

  bool is_default() const { return allow.empty() && deny.empty() && !require_method_headers; }
  nlohmann::json to_json() const;
};

inline constexpr size_t kMaxToolPolicyGlobs = 256;
inline constexpr size_t kMaxToolGlobLength = 256;

// Reads {"allow":[…],"deny":[…],"require_method_headers":bool} (every member optional; null is the
// default policy). Globs are non-empty printable ASCII with `*` for any run of characters. Throws
// InvalidToolPolicy naming the member.
ToolPolicy parse_tool_policy(const nlohmann::json& value);

// `*` matches any run of characters (also none); everything else matches itself, case-sensitively
// (MCP tool names are case-sensitive).
bool glob_matches(std::string_view pattern, std::string_view name);

// Decodes an Mcp-Method / Mcp-Name header value: plain visible ASCII as it is, the sentinel form
// "=?base64?<standard base64 of UTF-8>?=" decoded. nullopt for a value that is neither (control
// characters, bad base64, a decoded value that is not UTF-8 or holds NUL).
std::optional<std::string> decode_mcp_header_value(std::string_view raw);

// What the gateway knows of the MCP request it is asked about.
struct McpRequestFacts {
  // The client's HTTP method when the proxy said it (X-Forwarded-Method / X-Original-Method), else
  // nullopt: nginx's auth subrequest is always a GET and says nothing of the original one.
  std::optional<std::string> http_method;
  std::optional<std::string> mcp_method;  // Mcp-Method, decoded
  std::optional<std::string> mcp_name;    // Mcp-Name, decoded
};

struct ToolDecision {
  bool allowed = true;
  std::string detail;  // why not: the rule that denied (safe for a caller of that organization)
};

// Role defaults, then the policy. VIEWER may discover (initialize, ping, notifications/*, */list,
// resources/read, prompts/get, completion/complete) but not call tools; a VIEWER request without
// Mcp-Method is refused (it cannot be told from a call). MEMBER and ADMIN (and a platform admin,
// role "PLATFORM_ADMIN") may call what the policy allows. The policy applies to tools/call by
// Mcp-Name: deny wins, a non-empty allow list must match; a tools/call without Mcp-Name under a
// policy with globs is refused. require_method_headers refuses a request without Mcp-Method unless
// the proxy said it is not a POST.
ToolDecision decide_tool_access(std::string_view role, const ToolPolicy& policy, const McpRequestFacts& request);

}  // namespace mcp::domain
