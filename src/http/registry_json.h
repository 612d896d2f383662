#pragma once
// The JSON of the MCP server registry, organization services and API keys, as the admin API sends
// them (snake_case, named as the columns; times ISO-8601; never a key's hash or secret), and the
// JSON Schemas the OpenAPI document gives for them.
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/router.h"
#include "storage/api_key_store.h"
#include "storage/mcp_server_store.h"
#include "storage/service_store.h"

namespace mcp::http {

class JsonBody;

nlohmann::json mcp_server_json(const storage::McpServerRecord& server);
// A service with its server's id, slug, name, transport, url and is_active under "mcp_server".
nlohmann::json service_json(const storage::ServiceRecord& service, const storage::McpServerRecord& server);
// Every column but key_hash.
nlohmann::json api_key_json(const storage::ApiKeyRecord& key);

nlohmann::json mcp_server_schema();
nlohmann::json service_schema();
// The tool_policy member of a service, and of PUT …/services/{server_id}'s body.
nlohmann::json tool_policy_schema();
nlohmann::json api_key_schema();

// A free-text field (a name, a description) without control characters (NUL included: PostgreSQL's
// text cannot hold it); `multiline` also accepts tab, CR and LF. 400 naming the field otherwise.
std::optional<std::string> clean_text(std::optional<std::string> text, std::string_view field, bool multiline = false);

// The RouteDoc of an authenticated /api/v1 route (request/response schema null: none).
RouteDoc authenticated_doc(std::string tag, int success_status, nlohmann::json request_schema,
                           nlohmann::json response_schema, std::vector<QueryParam> query = {},
                           std::vector<int> error_statuses = {});

}  // namespace mcp::http
