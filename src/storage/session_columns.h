#pragma once
// The columns of sessions that the session store reads, each listed once (storage internal), in the
// form of storage/identity_columns.h: a SELECT writes a list with MCP_SELECT_COLUMNS, and a row is
// read by the columns' names (session_column::expires_at), so a column added here moves every read
// with it.
//
// X(alias, column) lists: F names the first column, N each next one (the SQL list has no trailing comma).
#include <cstddef>

#include "storage/identity_columns.h"

// A SessionRecord's columns (the Clerk bookkeeping columns are not part of it).
#define MCP_SESSION_COLUMNS(F, N, a)                                                                      \
  F(a, id) N(a, user_id) N(a, organization_id) N(a, clerk_session_id) N(a, metadata) N(a, expires_at)     \
  N(a, last_active_at) N(a, revoked_at) N(a, created_at) N(a, updated_at)

// A ClerkSessionState's columns: what the Clerk session sync compares and writes.
#define MCP_CLERK_SESSION_STATE_COLUMNS(F, N, a)                                                          \
  F(a, id) N(a, user_id) N(a, organization_id) N(a, expires_at) N(a, last_active_at) N(a, revoked_at)     \
  N(a, clerk_status) N(a, clerk_updated_at)

namespace mcp::storage {

// Positions in a row that starts with the list's columns; `count` is where the next table's begin.
namespace session_column {
enum : size_t { MCP_SESSION_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}
namespace clerk_session_state_column {
enum : size_t { MCP_CLERK_SESSION_STATE_COLUMNS(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count };
}

}  // namespace mcp::storage
