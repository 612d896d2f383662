#pragma once
// How a table's columns are listed once and used everywhere (storage internal): a list is an
// X-macro LIST(F, N, a) where F(a, column) names the first column and N(a, column) each next one
// (so the SQL list has no trailing comma); `a` is the table's alias in a query. The lists are in
// identity_columns.h, registry_columns.h, session_columns.h and audit_store.cpp.
//
//   MCP_SELECT_COLUMNS(LIST, u)   "u.id, u.clerk_id, …" for a SELECT
//   MCP_COLUMN_NAMES(LIST)        "id, clerk_id, …" for a RETURNING clause or an unaliased SELECT
//   enum : size_t { LIST(MCP_COLUMN_ENUM, MCP_COLUMN_ENUM, _) count }   each column's position

#define MCP_COLUMN_SQL_FIRST(a, column) #a "." #column
#define MCP_COLUMN_SQL_NEXT(a, column) ", " #a "." #column
// "u.id, u.clerk_id, …" for MCP_SELECT_COLUMNS(MCP_USER_COLUMNS, u).
#define MCP_SELECT_COLUMNS(LIST, a) LIST(MCP_COLUMN_SQL_FIRST, MCP_COLUMN_SQL_NEXT, a)

#define MCP_COLUMN_ENUM(a, column) column,

// The same list without an alias, "id, organization_id, …", for a RETURNING clause (whose columns
// are the modified table's own): MCP_COLUMN_NAMES(MCP_SERVICE_COLUMNS).
#define MCP_COLUMN_NAME_FIRST(a, column) #column
#define MCP_COLUMN_NAME_NEXT(a, column) ", " #column
#define MCP_COLUMN_NAMES(LIST) LIST(MCP_COLUMN_NAME_FIRST, MCP_COLUMN_NAME_NEXT, _)
