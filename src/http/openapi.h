#pragma once
// The OpenAPI 3.1 description of the API, generated from the route table and nothing else, so it
// cannot drift from what is served: a route is documented exactly when it is registered.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace mcp::http {
class Router;

// The OpenAPI 3.1 document of every route of `router` (HEAD, served by the GET routes, is not
// listed). `version` is the info.version (the build's version).
nlohmann::json openapi_document(const Router& router, std::string_view version);

// The operationId of method + pattern: "get" + the pattern's segments in PascalCase, {name}
// segments as "By" + Name (GET /api/v1/organizations/{id} -> getApiV1OrganizationsById).
std::string operation_id(std::string_view method, std::string_view pattern);

}  // namespace mcp::http
