// Per-tool decisions (src/domain/tool_policy.*): what a client and an organization ADMIN control —
// the Mcp-Method / Mcp-Name header values, and the tool_policy JSON of PUT …/services/{server_id}.
// Input: policy JSON \n--\n Mcp-Method \n--\n Mcp-Name \n--\n a glob \n--\n a name.
// Properties: a policy either reads or is an InvalidToolPolicy, and one that reads reads again
// from its own to_json; a decoded header value is text without NUL, and plain visible ASCII (no
// blank at either end) decodes to itself; the sentinel form of any UTF-8 text without NUL decodes back to it; the
// decision never throws and a VIEWER's tools/call is never allowed; "*" matches every name and a
// glob without "*" matches exactly itself.
#include <cstdint>
#include <string>

#include <openssl/evp.h>

#include "domain/tool_policy.h"
#include "fuzz_input.h"
#include "util/json_limits.h"

namespace {
bool is_visible_ascii(std::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::string sentinel(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(written));
  return "=?base64?" + out + "?=";
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mcp::domain;
  mcp::fuzz::FieldReader input(data, size);
  std::string_view policy_text = input.field();
  std::string_view method_raw = input.field();
  std::string_view name_raw = input.field();
  std::string_view glob = input.field();
  std::string_view name = input.field();

  ToolPolicy policy;
  auto parsed = mcp::util::parse_json_limited(policy_text, 32);
  if (parsed.ok()) {
    try {
      policy = parse_tool_policy(parsed.value);
      ToolPolicy again = parse_tool_policy(policy.to_json());
      if (again.to_json() != policy.to_json()) mcp::fuzz::property_failed("a policy did not read back from its JSON");
    } catch (const InvalidToolPolicy&) {
      policy = ToolPolicy{};
    }
  }

  McpRequestFacts facts;
  for (auto [raw, field] : {std::pair{method_raw, &facts.mcp_method}, std::pair{name_raw, &facts.mcp_name}}) {
    *field = decode_mcp_header_value(raw);
    if (*field && (*field)->find('\0') != std::string::npos) mcp::fuzz::property_failed("a decoded value holds NUL");
    // (Leading or trailing blanks are refused: an HTTP parser has trimmed them off a real header.)
    bool plain = !raw.empty() && is_visible_ascii(raw) && raw.front() != ' ' && raw.back() != ' ';
    if (plain && raw.substr(0, 2) != "=?" && *field != std::string(raw)) {
      mcp::fuzz::property_failed("plain visible ASCII did not decode to itself");
    }
  }
  if (!name.empty() && name.find('\0') == std::string_view::npos) {
    auto back = decode_mcp_header_value(sentinel(name));
    // Not every byte string is UTF-8: those may be refused, never changed.
    if (back && *back != name) mcp::fuzz::property_failed("the sentinel form did not decode back");
  }

  for (std::string_view role : {"VIEWER", "MEMBER", "ADMIN", "PLATFORM_ADMIN"}) {
    ToolDecision decision = decide_tool_access(role, policy, facts);
    if (role == "VIEWER" && decision.allowed && facts.mcp_method == std::string("tools/call")) {
      mcp::fuzz::property_failed("a VIEWER's tools/call was allowed");
    }
  }

  if (!glob_matches("*", name)) mcp::fuzz::property_failed("* did not match a name");
  if (glob.find('*') == std::string_view::npos && glob_matches(glob, name) != (glob == name)) {
    mcp::fuzz::property_failed("a glob without * did not match exactly itself");
  }
  return 0;
}
