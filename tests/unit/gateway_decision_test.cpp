// Gateway rules (src/domain/gateway_decision.*): the slug of a forwarded URI, and who may use which
// server. The HTTP side, the cache and both engines are in tests/interop/api_gateway.test.mjs.
#include "domain/gateway_decision.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

using mcp::domain::decide_gateway_access;
using mcp::domain::GatewayFacts;
using mcp::domain::is_server_slug;
using mcp::domain::Principal;
using mcp::domain::McpEndpoint;
using mcp::domain::mcp_endpoint_from_uri;

namespace {
// The server slug of a URI that is not organization-scoped.
std::optional<std::string> server_slug_from_uri(std::string_view uri) {
  auto endpoint = mcp_endpoint_from_uri(uri);
  if (!endpoint || endpoint->organization_slug) return std::nullopt;
  return endpoint->server_slug;
}
}  // namespace

TEST_CASE("gateway: slugs") {
  CHECK(is_server_slug("github"));
  CHECK(is_server_slug("brave-search"));
  CHECK(is_server_slug("a.b_c~d-9"));
  CHECK_FALSE(is_server_slug(""));
  CHECK_FALSE(is_server_slug("."));
  CHECK_FALSE(is_server_slug(".."));
  CHECK_FALSE(is_server_slug("a/b"));
  CHECK_FALSE(is_server_slug("a%2fb"));
  CHECK_FALSE(is_server_slug("a b"));
  CHECK_FALSE(is_server_slug(std::string(129, 'a')));
  CHECK(is_server_slug(std::string(128, 'a')));
}

TEST_CASE("gateway: the slug of a forwarded URI") {
  CHECK(server_slug_from_uri("/mcp/github") == std::optional<std::string>("github"));
  CHECK(server_slug_from_uri("/mcp/github/") == std::optional<std::string>("github"));
  CHECK(server_slug_from_uri("/mcp/github/sse") == std::optional<std::string>("github"));
  CHECK(server_slug_from_uri("/mcp/github/messages?sessionId=abc/../x") == std::optional<std::string>("github"));
  CHECK(server_slug_from_uri("/mcp/github?x=1") == std::optional<std::string>("github"));
  CHECK(server_slug_from_uri("/mcp/github#frag") == std::optional<std::string>("github"));
  CHECK(server_slug_from_uri("https://gw.example.com/mcp/git/x") == std::optional<std::string>("git"));
  CHECK(server_slug_from_uri("HTTP://gw.example.com:8080/mcp/git") == std::optional<std::string>("git"));

  CHECK_FALSE(server_slug_from_uri(""));
  CHECK_FALSE(server_slug_from_uri("/"));
  CHECK_FALSE(server_slug_from_uri("/mcp"));
  CHECK_FALSE(server_slug_from_uri("/mcp/"));
  CHECK_FALSE(server_slug_from_uri("/mcp//github"));
  CHECK_FALSE(server_slug_from_uri("/api/v1/mcp/github"));
  CHECK_FALSE(server_slug_from_uri("//mcp/github"));
  CHECK_FALSE(server_slug_from_uri("/MCP/github"));
  CHECK_FALSE(server_slug_from_uri("https://gw.example.com"));
  // What a proxy could normalise into another server's path is refused, not guessed.
  CHECK_FALSE(server_slug_from_uri("/mcp/github/../filesystem/"));
  CHECK_FALSE(server_slug_from_uri("/mcp/github/./x"));
  CHECK_FALSE(server_slug_from_uri("/mcp/github/.."));
  CHECK_FALSE(server_slug_from_uri("/mcp/../mcp/github"));
  CHECK_FALSE(server_slug_from_uri("/mcp/github%2f..%2ffilesystem"));
  CHECK_FALSE(server_slug_from_uri("/mcp/github/%2E%2E/filesystem"));
  CHECK_FALSE(server_slug_from_uri("/mcp/github\\..\\filesystem"));
  CHECK_FALSE(server_slug_from_uri("/mcp/git%5c"));
  CHECK_FALSE(server_slug_from_uri("/mcp/gi%74hub"));  // not decoded: no server has that slug
}

TEST_CASE("gateway: an organization-scoped URI names the organization and the server") {
  CHECK(mcp_endpoint_from_uri("/orgs/acme/mcp/github") == McpEndpoint{"acme", "github"});
  CHECK(mcp_endpoint_from_uri("/orgs/acme/mcp/github/sse?x=/orgs/b/") == McpEndpoint{"acme", "github"});
  CHECK(mcp_endpoint_from_uri("https://gw.example.com/orgs/acme-inc/mcp/git/x") == McpEndpoint{"acme-inc", "git"});
  CHECK(mcp_endpoint_from_uri("/mcp/github") == McpEndpoint{std::nullopt, "github"});

  CHECK_FALSE(mcp_endpoint_from_uri("/orgs/acme"));
  CHECK_FALSE(mcp_endpoint_from_uri("/orgs/acme/"));
  CHECK_FALSE(mcp_endpoint_from_uri("/orgs/acme/github"));
  CHECK_FALSE(mcp_endpoint_from_uri("/orgs//mcp/github"));
  CHECK_FALSE(mcp_endpoint_from_uri("/orgs/acme/orgs/b/mcp/github"));
  CHECK_FALSE(mcp_endpoint_from_uri("/orgs/acme/../b/mcp/github"));
  CHECK_FALSE(mcp_endpoint_from_uri("/orgs/ac%2fme/mcp/github"));
  CHECK_FALSE(mcp_endpoint_from_uri("/orgs/a b/mcp/github"));
  CHECK_FALSE(mcp_endpoint_from_uri("/ORGS/acme/mcp/github"));
  CHECK_FALSE(mcp_endpoint_from_uri("/api/orgs/acme/mcp/github"));
}

namespace {
Principal key_of(const std::string& role, std::optional<std::string> organization = "org-1") {
  Principal principal;
  principal.kind = Principal::Kind::ApiKey;
  principal.actor_id = "key-1";
  principal.platform_admin = !organization;
  principal.organization_id = organization;
  if (organization) principal.role = role;
  return principal;
}

Principal user_of(const std::string& role) {
  Principal principal;
  principal.kind = Principal::Kind::User;
  principal.actor_id = principal.user_id.emplace("user-1");
  principal.organization_id = "org-1";
  principal.role = role;
  return principal;
}

GatewayFacts enabled() {
  GatewayFacts facts;
  facts.server_found = facts.server_active = facts.service_found = facts.service_enabled = true;
  facts.config = {{"token", "t"}};
  return facts;
}
}  // namespace

TEST_CASE("gateway: MEMBER and ADMIN may use an enabled service of an active server") {
  for (const char* role : {"MEMBER", "ADMIN"}) {
    auto decision = decide_gateway_access(key_of(role), enabled(), "github");
    CHECK(decision.status == 200);
    CHECK(decision.organization_id == std::optional<std::string>("org-1"));
    CHECK_FALSE(decision.user_id);
    CHECK(decision.role == role);
    CHECK(decision.server == "github");
    CHECK(decision.config == nlohmann::json{{"token", "t"}});
  }
  auto decision = decide_gateway_access(user_of("MEMBER"), enabled(), "github");
  CHECK(decision.status == 200);
  CHECK(decision.user_id == std::optional<std::string>("user-1"));
}

TEST_CASE("gateway: a VIEWER reaches the server with its role and the tool policy; its calls are refused per request") {
  GatewayFacts facts = enabled();
  facts.tool_policy.deny = {"delete_*"};
  auto decision = decide_gateway_access(key_of("VIEWER"), facts, "github");
  CHECK(decision.status == 200);
  CHECK(decision.role == "VIEWER");
  CHECK(decision.tool_policy.deny == std::vector<std::string>{"delete_*"});
  mcp::domain::McpRequestFacts call;
  call.mcp_method = "tools/call";
  call.mcp_name = "search";
  CHECK_FALSE(mcp::domain::decide_tool_access(decision.role, decision.tool_policy, call).allowed);
  call.mcp_method = "tools/list";
  CHECK(mcp::domain::decide_tool_access(decision.role, decision.tool_policy, call).allowed);
}

TEST_CASE("gateway: every reason to refuse is a 403 with its own detail") {
  auto check_denied = [](const Principal& principal, const GatewayFacts& facts, const std::string& fragment) {
    auto decision = decide_gateway_access(principal, facts, "github");
    CHECK(decision.status == 403);
    CHECK_MESSAGE(decision.detail.find(fragment) != std::string::npos, decision.detail);
    CHECK(decision.config == nlohmann::json::object());
  };
  GatewayFacts facts = enabled();
  facts.service_enabled = false;
  check_denied(key_of("MEMBER"), facts, "not enabled");
  facts = enabled();
  facts.service_found = false;
  check_denied(key_of("MEMBER"), facts, "not enabled");
  facts = enabled();
  facts.server_active = false;
  check_denied(key_of("MEMBER"), facts, "not active");
  facts = enabled();
  facts.server_found = false;
  check_denied(key_of("MEMBER"), facts, "no MCP server");
  facts = enabled();
  facts.organization_deleted = true;
  check_denied(key_of("ADMIN"), facts, "organization has been deleted");
  facts = enabled();
  facts.uri_organization = "globex";
  facts.uri_organization_other = true;
  check_denied(key_of("ADMIN"), facts, "does not act for the organization 'globex'");
  facts.uri_organization_other = false;
  CHECK(decide_gateway_access(key_of("MEMBER"), facts, "github").allowed());
  facts = enabled();
  facts.not_a_member = true;
  Principal outsider = user_of("");
  outsider.organization_id.reset();
  check_denied(outsider, facts, "not a member");
  check_denied(outsider, enabled(), "needs an organization");
}

TEST_CASE("gateway: a platform-admin key may use any active server, with no organization") {
  GatewayFacts facts;
  facts.server_found = facts.server_active = true;  // no service: a platform key has no organization
  auto decision = decide_gateway_access(key_of("", std::nullopt), facts, "github");
  CHECK(decision.status == 200);
  CHECK_FALSE(decision.organization_id);
  CHECK(decision.role == "PLATFORM_ADMIN");
  CHECK(decision.config == nlohmann::json::object());
  facts.server_active = false;
  CHECK(decide_gateway_access(key_of("", std::nullopt), facts, "github").status == 403);
  facts.server_found = false;
  CHECK(decide_gateway_access(key_of("", std::nullopt), facts, "github").status == 403);
}
