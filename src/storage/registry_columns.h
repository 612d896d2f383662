#pragma once
// The columns of api_keys, mcp_servers and organization_services, each listed once (storage
// internal), in the form of storage/identity_columns.h: a SELECT writes a table's list with
// MCP_SELECT_COLUMNS, and a row is read by the columns' names (api_key_column::prefix), so a column
// added here moves every read with it.
#include <cstddef>

#include "storage/identity_columns.h"

#define MCP_API_KEY_COLUMNS(F, N, a)                                                                       \
  F(a, id) N(a, organization_id) N(a, name) N(a, prefix) N(a, key_hash) N(a, role) N(a, expires_at)       \
  N(a, last_used_at) N(a, usage_count) N(a, revoked_at) N(a, created_by) N(a, created_at) N(a, updated_at)

#define MCP_SERVER_COLUMNS(F, N, a)                                                                        \
  F(a, id) N(a, slug) N(a, name) N(a, description) N(a, url) N(a, transport) N(a, capabilities)           \
  N(a, is_active) N(a, created_at) N(a, updated_at)

#define MCP_SERVICE_COLUMNS(F, N, a)                                                                       \
  F(a, id) N(a, organization_id) N(a, mcp_server_id) N(a, enabled) N(a, config) N(a, created_at)          \
  N(a, updated_at) N(a, tool_policy)


namespace mcp::storage {

// Positions in a row that starts with the table's columns; `count` is where the next table's begin.
namespace api_key_column {
enum : size_t { MCP_API_KEY_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}
namespace mcp_server_column {
enum : size_t { MCP_SERVER_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}
namespace service_column {
enum : size_t { MCP_SERVICE_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}

}  // namespace mcp::storage
