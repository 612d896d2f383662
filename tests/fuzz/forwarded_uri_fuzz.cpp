// What the gateway and the audit trail read from a proxy's headers: the forwarded URI
// (X-Forwarded-Uri / X-Original-URI / X-Original-URL → the MCP server's slug,
// src/domain/gateway_decision.*) and X-Forwarded-For (src/http/api_support.* client_ip).
// Input: uri \n--\n X-Forwarded-For \n--\n the peer address.
// Properties: the slugs read from a URI (server, and organization for /orgs/ORG/mcp/…) are valid
// slugs, and "/mcp/SLUG/" and "/orgs/SLUG/mcp/SLUG/" give them back for any valid slug; the client
// address is the peer or one of the X-Forwarded-For hops.
#include <cstdint>
#include <string>

#include "domain/gateway_decision.h"
#include "fuzz_input.h"
#include "fuzz_request.h"
#include "http/api_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mcp::fuzz::FieldReader input(data, size);
  std::string_view uri = input.field();
  std::string forwarded_for(input.field());
  std::string peer(input.field());

  auto endpoint = mcp::domain::mcp_endpoint_from_uri(uri);
  if (endpoint && (!mcp::domain::is_server_slug(endpoint->server_slug) ||
                   (endpoint->organization_slug && !mcp::domain::is_server_slug(*endpoint->organization_slug)))) {
    mcp::fuzz::property_failed("an invalid slug was read from a URI");
  }
  if (mcp::domain::is_server_slug(uri)) {
    std::string slug(uri);
    auto back = mcp::domain::mcp_endpoint_from_uri("/mcp/" + slug + "/");
    if (!back || back->server_slug != slug || back->organization_slug) {
      mcp::fuzz::property_failed("/mcp/SLUG/ did not give SLUG back");
    }
    auto scoped = mcp::domain::mcp_endpoint_from_uri("/orgs/" + slug + "/mcp/" + slug + "/");
    if (!scoped || scoped->server_slug != slug || scoped->organization_slug != slug) {
      mcp::fuzz::property_failed("/orgs/SLUG/mcp/SLUG/ did not give both slugs back");
    }
  }

  mcp::fuzz::RequestSpec spec;
  spec.headers.emplace_back("X-Forwarded-For", forwarded_for);
  spec.remote_addr = peer.empty() ? "127.0.0.1" : peer;
  auto req = mcp::fuzz::make_request(spec);
  std::string ip = mcp::http::client_ip(req, {"127.0.0.1", "::1", "10.0.0.1"});
  if (ip != spec.remote_addr && forwarded_for.find(ip) == std::string::npos) {
    mcp::fuzz::property_failed("the client address is neither the peer nor a forwarded hop");
  }
  return 0;
}
