#include "domain/tool_policy.h"

#include <array>

#include "util/crypto.h"

namespace mcp::domain {

namespace {

constexpr std::string_view kSentinelStart = "=?base64?";
constexpr std::string_view kSentinelEnd = "?=";

bool is_visible_ascii(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Header-safe per the MCP transport: visible ASCII and inner spaces / tabs, no leading or trailing
// whitespace (such a value must be sent in the sentinel form).
bool is_plain_header_value(std::string_view text) {
  if (text.empty()) return false;
  if (text.front() == ' ' || text.front() == '\t' || text.back() == ' ' || text.back() == '\t') return false;
  for (unsigned char c : text) {
    if ((c < 0x20 && c != '\t') || c > 0x7e) return false;
  }
  return true;
}

bool is_utf8_without_nul(std::string_view text) {
  size_t idx = 0;
  while (idx < text.size()) {
    auto lead = static_cast<unsigned char>(text[idx]);
    size_t extra = 0;
    if (lead == 0) return false;
    if (lead < 0x80) {
      extra = 0;
    } else if ((lead & 0xe0) == 0xc0 && lead >= 0xc2) {
      extra = 1;
    } else if ((lead & 0xf0) == 0xe0) {
      extra = 2;
    } else if ((lead & 0xf8) == 0xf0 && lead <= 0xf4) {
      extra = 3;
    } else {
      return false;
    }
    if (text.size() - idx - 1 < extra) return false;
    for (size_t more = 1; more <= extra; ++more) {
      if ((static_cast<unsigned char>(text[idx + more]) & 0xc0) != 0x80) return false;
    }
    idx += extra + 1;
  }
  return true;
}

std::vector<std::string> parse_globs(const nlohmann::json& value, const char* member) {
  std::vector<std::string> globs;
  if (value.is_null()) return globs;
  if (!value.is_array()) throw InvalidToolPolicy(member, std::string(member) + " must be an array of tool-name globs");
  if (value.size() > kMaxToolPolicyGlobs) {
    throw InvalidToolPolicy(member, std::string(member) + " may hold at most " + std::to_string(kMaxToolPolicyGlobs) +
                                        " globs");
  }
  for (size_t idx = 0; idx < value.size(); ++idx) {
    std::string field = std::string(member) + "[" + std::to_string(idx) + "]";
    const auto& glob = value[idx];
    if (!glob.is_string()) throw InvalidToolPolicy(field, field + " must be a string");
    const auto& text = glob.get_ref<const std::string&>();
    if (text.empty() || text.size() > kMaxToolGlobLength || !is_visible_ascii(text)) {
      throw InvalidToolPolicy(field, field + " must be 1 to " + std::to_string(kMaxToolGlobLength) +
                                         " visible ASCII characters (a tool name, `*` matching any run)");
    }
    globs.push_back(text);
  }
  return globs;
}

// The first glob of `globs` that matches `name`, or nullptr.
const std::string* first_match(const std::vector<std::string>& globs, std::string_view name) {
  for (const auto& glob : globs) {
    if (glob_matches(glob, name)) return &glob;
  }
  return nullptr;
}

bool viewer_may(std::string_view method) {
  constexpr std::array<std::string_view, 5> kDiscovery = {"initialize", "ping", "resources/read", "prompts/get",
                                                          "completion/complete"};
  for (auto allowed : kDiscovery) {
    if (method == allowed) return true;
  }
  constexpr std::string_view kList = "/list";
  if (method.size() > kList.size() && method.substr(method.size() - kList.size()) == kList) return true;
  return method.rfind("notifications/", 0) == 0;
}

ToolDecision deny(std::string detail) { return {false, std::move(detail)}; }

}  // namespace

nlohmann::json ToolPolicy::to_json() const {
  return {{"allow", allow}, {"deny", deny}, {"require_method_headers", require_method_headers}};
}

ToolPolicy parse_tool_policy(const nlohmann::json& value) {
  ToolPolicy policy;
  if (value.is_null()) return policy;
  if (!value.is_object()) {
    throw InvalidToolPolicy("", "tool_policy must be an object {\"allow\":[…],\"deny\":[…],\"require_method_headers\":false}");
  }
  for (const auto& [member, item] : value.items()) {
    if (member == "allow") {
      policy.allow = parse_globs(item, "allow");
    } else if (member == "deny") {
      policy.deny = parse_globs(item, "deny");
    } else if (member == "require_method_headers") {
      if (!item.is_boolean()) throw InvalidToolPolicy(member, "require_method_headers must be true or false");
      policy.require_method_headers = item.get<bool>();
    } else {
      throw InvalidToolPolicy(member, "unknown member '" + member + "' (allowed: allow, deny, require_method_headers)");
    }
  }
  return policy;
}

bool glob_matches(std::string_view pattern, std::string_view name) {
  // Iterative wildcard match with one backtrack point: linear in practice, never exponential.
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::optional<std::string> decode_mcp_header_value(std::string_view raw) {
  if (raw.size() >= kSentinelStart.size() + kSentinelEnd.size() && raw.substr(0, kSentinelStart.size()) == kSentinelStart &&
      raw.substr(raw.size() - kSentinelEnd.size()) == kSentinelEnd) {
    auto encoded = raw.substr(kSentinelStart.size(), raw.size() - kSentinelStart.size() - kSentinelEnd.size());
    auto decoded = util::base64_decode(encoded);
    if (!decoded || decoded->empty() || !is_utf8_without_nul(*decoded)) return std::nullopt;
    return decoded;
  }
  if (!is_plain_header_value(raw)) return std::nullopt;
  return std::string(raw);
}

ToolDecision decide_tool_access(std::string_view role, const ToolPolicy& policy, const McpRequestFacts& request) {
  bool known_not_post = request.http_method && *request.http_method != "POST";
  if (!request.mcp_method) {
    if (known_not_post) return {};
    if (role == "VIEWER") {
      return deny("VIEWER may only discover (list tools, read resources, get prompts); this request has no Mcp-Method "
                  "header to show it is not a tool call (a client of MCP 2026-07-28 sends it).");
    }
    if (policy.require_method_headers) {
      return deny("This organization's policy for the server requires the Mcp-Method header (MCP 2026-07-28 clients "
                  "send it on every POST).");
    }
    return {};
  }
  const std::string& method = *request.mcp_method;
  if (role == "VIEWER" && !viewer_may(method)) {
    return deny("VIEWER may discover (initialize, ping, */list, resources/read, prompts/get) but not " + method + ".");
  }
  if (method != "tools/call") return {};
  if (policy.allow.empty() && policy.deny.empty()) return {};
  if (!request.mcp_name) {
    return deny("tools/call without an Mcp-Name header: this organization's tool policy for the server cannot be "
                "applied.");
  }
  const std::string& tool = *request.mcp_name;
  if (const auto* glob = first_match(policy.deny, tool)) {
    return deny("The tool '" + tool + "' is denied by this organization's tool policy (deny \"" + *glob + "\").");
  }
  if (!policy.allow.empty() && !first_match(policy.allow, tool)) {
    return deny("The tool '" + tool + "' is not in this organization's allow list for the server.");
  }
  return {};
}

}  // namespace mcp::domain
