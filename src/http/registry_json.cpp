#include "http/registry_json.h"

#include "domain/api_key_lifecycle.h"
#include "domain/services.h"
#include "domain/tool_policy.h"
#include "http/api_support.h"
#include "util/nullable_json.h"

#include <algorithm>

namespace mcp::http {

namespace {
using json = nlohmann::json;

json nullable(const char* type) { return {{"type", json::array({type, "null"})}}; }
json typed(const char* type) { return {{"type", type}}; }
json timestamp() { return {{"type", "string"}, {"format", "date-time"}}; }
json nullable_timestamp() { return {{"type", json::array({"string", "null"})}, {"format", "date-time"}}; }

json object_schema(json properties) {
  json required = json::array();
  for (const auto& [name, schema] : properties.items()) required.push_back(name);
  return {{"type", "object"}, {"required", std::move(required)}, {"properties", std::move(properties)}};
}
}  // namespace

json mcp_server_json(const storage::McpServerRecord& server) {
  return {{"id", server.id},
          {"slug", server.slug},
          {"name", server.name},
          {"description", util::nullable_text(server.description)},
          {"url", util::nullable_text(server.url)},
          {"transport", server.transport},
          {"capabilities", server.capabilities},
          {"is_active", server.is_active},
          {"created_at", util::nullable_time(server.created_at)},
          {"updated_at", util::nullable_time(server.updated_at)}};
}

json service_json(const storage::ServiceRecord& service, const storage::McpServerRecord& server) {
  return domain::service_view(service, server);
}

json api_key_json(const storage::ApiKeyRecord& key) { return domain::audit_view(key); }

json mcp_server_schema() {
  return object_schema({{"id", typed("string")},
                        {"slug", {{"type", "string"}, {"pattern", "^[a-z0-9-]{1,64}$"}}},
                        {"name", typed("string")},
                        {"description", nullable("string")},
                        {"url", nullable("string")},
                        {"transport", {{"type", "string"}, {"enum", {"stdio", "sse", "streamable-http"}}}},
                        {"capabilities", typed("object")},
                        {"is_active", typed("boolean")},
                        {"created_at", timestamp()},
                        {"updated_at", timestamp()}});
}

json service_schema() {
  return object_schema(
      {{"id", typed("string")},
       {"organization_id", typed("string")},
       {"mcp_server_id", typed("string")},
       {"mcp_server", object_schema({{"id", typed("string")},
                                     {"slug", typed("string")},
                                     {"name", typed("string")},
                                     {"transport", typed("string")},
                                     {"url", nullable("string")},
                                     {"is_active", typed("boolean")}})},
       {"enabled", typed("boolean")},
       {"config", typed("object")},
       {"tool_policy", tool_policy_schema()},
       {"created_at", timestamp()},
       {"updated_at", timestamp()}});
}

json tool_policy_schema() {
  json globs = {{"type", "array"}, {"items", {{"type", "string"}}}, {"maxItems", domain::kMaxToolPolicyGlobs}};
  return {{"type", "object"},
          {"additionalProperties", false},
          {"description", "Which tools tools/call may name (by Mcp-Name): globs with *, deny wins, an empty allow "
                          "allows every tool not denied"},
          {"properties",
           {{"allow", globs},
            {"deny", globs},
            {"require_method_headers",
             {{"type", "boolean"}, {"description", "refuse POSTs without Mcp-Method (MCP clients before 2026-07-28)"}}}}}};
}

json api_key_schema() {
  return object_schema({{"id", typed("string")},
                        {"organization_id", nullable("string")},
                        {"name", typed("string")},
                        {"prefix", typed("string")},
                        {"role", {{"type", "string"}, {"enum", {"ADMIN", "MEMBER", "VIEWER"}}}},
                        {"expires_at", nullable_timestamp()},
                        {"last_used_at", nullable_timestamp()},
                        {"usage_count", typed("integer")},
                        {"revoked_at", nullable_timestamp()},
                        {"created_by", nullable("string")},
                        {"created_at", timestamp()},
                        {"updated_at", timestamp()}});
}

RouteDoc authenticated_doc(std::string tag, int success_status, json request_schema, json response_schema,
                           std::vector<QueryParam> query, std::vector<int> error_statuses) {
  RouteDoc doc;
  doc.tag = std::move(tag);
  doc.authenticated = true;
  doc.query = std::move(query);
  doc.request_schema = std::move(request_schema);
  doc.success_status = success_status;
  doc.response_schema = std::move(response_schema);
  doc.error_statuses = std::move(error_statuses);
  return doc;
}

std::optional<std::string> clean_text(std::optional<std::string> text, std::string_view field, bool multiline) {
  if (!text) return text;
  for (char c : *text) {
    auto byte = static_cast<unsigned char>(c);
    if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (byte < 0x20 || byte == 0x7f) throw_field_error(field, "must not contain control characters");
  }
  return text;
}

}  // namespace mcp::http
