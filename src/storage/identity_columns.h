#pragma once
// The columns of users, organizations and organization_memberships, each listed once (storage
// internal). A SELECT writes a table's list with MCP_SELECT_COLUMNS, and a row is read by the
// columns' names (user_column::email), so a column added here moves every read with it; a test
// (tests/interop/identity_columns.test.mjs) fails when a column of the schema is missing from a
// store's read, the Clerk mapping or the API's JSON.
#include <cstddef>

#include "storage/column_lists.h"

#define MCP_USER_COLUMNS(F, N, a)                                                                        \
  F(a, id) N(a, clerk_id) N(a, email) N(a, first_name) N(a, last_name) N(a, image_url) N(a, metadata)   \
  N(a, last_sign_in_at) N(a, clerk_updated_at) N(a, deleted_at) N(a, created_at) N(a, updated_at)

#define MCP_ORGANIZATION_COLUMNS(F, N, a)                                                                  \
  F(a, id) N(a, clerk_id) N(a, name) N(a, slug) N(a, clerk_slug) N(a, image_url) N(a, metadata)          \
  N(a, clerk_updated_at) N(a, deleted_at) N(a, created_at) N(a, updated_at)

#define MCP_MEMBERSHIP_COLUMNS(F, N, a)                                                                     \
  F(a, id) N(a, clerk_id) N(a, organization_id) N(a, user_id) N(a, role) N(a, clerk_role)                  \
  N(a, clerk_created_at) N(a, clerk_updated_at) N(a, deleted_at) N(a, created_at) N(a, updated_at)


namespace mcp::storage {

// Positions in a row that starts with the table's columns; `count` is where the next table's begin.
namespace user_column {
enum : size_t { MCP_USER_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}
namespace organization_column {
enum : size_t { MCP_ORGANIZATION_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}
namespace membership_column {
enum : size_t { MCP_MEMBERSHIP_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}

}  // namespace mcp::storage
