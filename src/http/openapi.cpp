#include "http/openapi.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "http/problem.h"
#include "http/router.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string_view> split_segments(std::string_view pattern) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start < pattern.size()) {
    size_t slash = pattern.find('/', start);
    if (slash == std::string_view::npos) slash = pattern.size();
    if (slash > start) segments.push_back(pattern.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

// "mcp-servers" -> "McpServers", "user_id" -> "UserId", "openapi.json" -> "OpenapiJson".
std::string pascal_case(std::string_view words) {
  std::string out;
  bool upper = true;
  for (char c : words) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Path parameters are all strings. What an id accepts depends on the resource (README "Admin API (`/api/v1`)").
std::string describe_path_parameter(std::string_view pattern, const std::string& name) {
  if (name == "server_id" || (name == "id" && pattern.starts_with("/api/v1/mcp-servers/"))) {
    return "The MCP server's id or slug";
  }
  if (name == "key_id") return "The API key's id";
  if (name == "file") return "The asset's file name (app.js, app.css)";
  if (name == "id" && pattern.starts_with("/api/v1/sessions/")) return "The session's id";
  if (name == "id" && pattern.starts_with("/api/v1/users/")) return "The user's internal id or Clerk id (user_…)";
  if (name == "user_id") return "The user's internal id or Clerk id (user_…)";
  if (name == "id" && pattern.starts_with("/api/v1/organizations/")) {
    return "The organization's internal id or Clerk id (org_…)";
  }
  return "Internal id or Clerk id";
}

json problem_response(int status) {
  return {{"description", status_title(status)},
          {"content", {{"application/problem+json", {{"schema", {{"$ref", "#/components/schemas/Problem"}}}}}}}};
}

json operation(const Route& route, const std::string& id) {
  const RouteDoc& doc = route.doc;
  json op = json::object();
  op["operationId"] = id;
  if (!route.summary.empty()) op["summary"] = route.summary;
  if (!doc.tag.empty()) op["tags"] = json::array({doc.tag});

  json parameters = json::array();
  bool has_path_parameters = false;
  for (std::string_view segment : split_segments(route.pattern)) {
    if (!is_parameter(segment)) continue;
    has_path_parameters = true;
    std::string name(segment.substr(1, segment.size() - 2));
    parameters.push_back({{"name", name},
                          {"in", "path"},
                          {"required", true},
                          {"description", describe_path_parameter(route.pattern, name)},
                          {"schema", {{"type", "string"}}}});
  }
  for (const QueryParam& param : doc.query) {
    json entry = {{"name", param.name}, {"in", "query"}, {"required", false}, {"schema", {{"type", param.type}}}};
    if (!param.description.empty()) entry["description"] = param.description;
    parameters.push_back(std::move(entry));
  }
  if (!parameters.empty()) op["parameters"] = std::move(parameters);

  bool has_body = !doc.request_schema.is_null();
  if (has_body) {
    op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", doc.request_schema}}}}}};
  }

  json responses = json::object();
  json success = {{"description", status_title(doc.success_status)}};
  if (doc.success_status != 204 && !doc.response_schema.is_null()) {
    success["content"] = {{doc.response_content_type, {{"schema", doc.response_schema}}}};
    for (const std::string& type : doc.other_response_content_types) {
      success["content"][type] = {{"schema", doc.response_schema}};
    }
  }
  if (!doc.response_headers.empty()) {
    json headers = json::object();
    for (const ResponseHeader& header : doc.response_headers) {
      headers[header.name] = {{"description", header.description},
                              {"required", header.always},
                              {"schema", {{"type", "string"}}}};
    }
    success["headers"] = std::move(headers);
  }
  for (int status : doc.other_success_statuses) {
    json other = success;
    other["description"] = status_title(status);
    responses[std::to_string(status)] = std::move(other);
  }
  responses[std::to_string(doc.success_status)] = std::move(success);
  for (int status : doc.bodiless_statuses) responses[std::to_string(status)] = {{"description", status_title(status)}};

  // Every route can fail with a problem; which ones follow from what the route reads: a body (400
  // unreadable, 413 over 1 MiB; the admin API's JSON bodies 415 for another Content-Type), a path
  // parameter (404), a credential (401, 403, 404 for what it may not see; 503 when the database
  // that holds the keys cannot be read).
  // The front answers any request before it is routed (README "What the server holds"): 400 for
  // framing (a GET with a body, Content-Length with Transfer-Encoding), 408 at a deadline, 414 and
  // 431 for a long target or header, 503 beyond --max-connections, 505 for another HTTP version;
  // with a body also 413 and 501 (a Transfer-Encoding other than chunked).
  std::set<int> errors = {400, 408, 414, 431, 500, 503, 505};
  if (has_body) errors.insert({413, 501});
  if (has_body && doc.authenticated) errors.insert(415);
  if (has_path_parameters) errors.insert(404);
  if (doc.authenticated) errors.insert({401, 403, 404, 503});
  errors.insert(doc.error_statuses.begin(), doc.error_statuses.end());
  errors.erase(doc.success_status);
  for (int status : doc.other_success_statuses) errors.erase(status);
  for (int status : errors) responses[std::to_string(status)] = problem_response(status);
  op["responses"] = std::move(responses);

  if (doc.authenticated) {  // alternatives: any one of them
    json security = json::array();
    for (const char* scheme : {"bearer", "apiKey"}) {
      if (std::string_view(scheme) == "apiKey" && !doc.api_key_header) continue;
      json requirement = json::object();
      requirement[scheme] = json::array();
      security.push_back(std::move(requirement));
    }
    op["security"] = std::move(security);
  }
  return op;
}

json components() {
  json problem = {
      {"type", "object"},
      {"description", "RFC 9457 problem details; further members (request_id, errors, code) may appear."},
      {"required", json::array({"type", "title", "status"})},
      {"properties",
       {{"type", {{"type", "string"}, {"description", "A URI naming the problem type; about:blank for plain HTTP statuses"}}},
        {"title", {{"type", "string"}}},
        {"status", {{"type", "integer"}}},
        {"detail", {{"type", "string"}}},
        {"request_id", {{"type", "string"}, {"description", "The X-Request-Id of the request, for the logs"}}}}}};
  json schemes = {
      {"bearer",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "An API key (mcp_sk_…) or a Clerk session JWT, as Authorization: Bearer <credential>"}}},
      {"apiKey",
       {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}, {"description", "An API key (mcp_sk_…)"}}}};
  return {{"schemas", {{"Problem", std::move(problem)}}}, {"securitySchemes", std::move(schemes)}};
}

}  // namespace

std::string operation_id(std::string_view method, std::string_view pattern) {
  std::string id = lower(method);
  for (std::string_view segment : split_segments(pattern)) {
    id += is_parameter(segment) ? "By" + pascal_case(segment.substr(1, segment.size() - 2)) : pascal_case(segment);
  }
  return id;
}

json openapi_document(const Router& router, std::string_view version) {
  json paths = json::object();
  json tags = json::array();
  std::set<std::string> tag_names;
  std::set<std::string> ids;
  for (const Route& route : router.routes()) {
    if (route.method == "HEAD") continue;  // served by GET routes; OpenAPI lists GET only
    std::string id = operation_id(route.method, route.pattern);
    // Distinct patterns that case alike ("a-b", "a_b") would collide: number the later ones.
    for (int suffix = 2; ids.contains(id); ++suffix) id = operation_id(route.method, route.pattern) + std::to_string(suffix);
    ids.insert(id);
    paths[route.pattern][lower(route.method)] = operation(route, id);
    if (!route.doc.tag.empty() && tag_names.insert(route.doc.tag).second) tags.push_back({{"name", route.doc.tag}});
  }
  json document = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "mcp-admin"},
        {"version", std::string(version)},
        {"description",
         "Control plane of a multi-tenant MCP platform: organizations, users, memberships, MCP servers, API keys, "
         "sessions, audit logs and gateway authorization. Generated from the routes the server registers."}}},
      {"paths", std::move(paths)},
      {"components", components()}};
  if (!tags.empty()) document["tags"] = std::move(tags);
  return document;
}

}  // namespace mcp::http
