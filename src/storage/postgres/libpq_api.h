#pragma once
// libpq, loaded when the first PostgreSQL connection is opened rather than when the process starts.
// Linked normally, libpq pulls about 30 shared libraries (Kerberos, LDAP, SASL, GnuTLS, …) into
// every start, an SQLite one included: several milliseconds of dynamic loading and ~4 MiB of RSS
// (tests/bench/README.md, "spawn → healthy"). The static build links its own libpq.a
// (MCP_ADMIN_LIBPQ_LINKED) and uses the linked functions.
//
// Include this instead of <libpq-fe.h>: after it, PQexec(…) and the rest call through the loaded
// table (libpq_api.cpp, which fills it, defines MCP_LIBPQ_NO_REDIRECT).
#include <libpq-fe.h>

#define MCP_LIBPQ_FUNCTIONS(X)                                                                              \
  X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQsetNoticeProcessor) X(PQexec)        \
  X(PQresultStatus) X(PQresultErrorField) X(PQresultErrorMessage) X(PQclear) X(PQcmdStatus) X(PQprepare) \
  X(PQexecPrepared) X(PQntuples) X(PQnfields) X(PQgetisnull) X(PQgetvalue) X(PQgetlength) X(PQcmdTuples)  \
  X(PQtransactionStatus)

namespace mcp::storage::libpq {

#define MCP_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
struct Api {
  MCP_LIBPQ_FUNCTIONS(MCP_LIBPQ_MEMBER)
};
#undef MCP_LIBPQ_MEMBER

// The functions, loaded on the first call (thread-safe). Throws storage::Unavailable naming the
// library when libpq cannot be loaded (Debian: the libpq5 package).
const Api& api();

}  // namespace mcp::storage::libpq

#ifndef MCP_LIBPQ_NO_REDIRECT
#define MCP_LIBPQ_REDIRECT(name) ::mcp::storage::libpq::api().name
#define PQconnectdbParams MCP_LIBPQ_REDIRECT(PQconnectdbParams)
#define PQstatus MCP_LIBPQ_REDIRECT(PQstatus)
#define PQerrorMessage MCP_LIBPQ_REDIRECT(PQerrorMessage)
#define PQfinish MCP_LIBPQ_REDIRECT(PQfinish)
#define PQsetNoticeProcessor MCP_LIBPQ_REDIRECT(PQsetNoticeProcessor)
#define PQexec MCP_LIBPQ_REDIRECT(PQexec)
#define PQresultStatus MCP_LIBPQ_REDIRECT(PQresultStatus)
#define PQresultErrorField MCP_LIBPQ_REDIRECT(PQresultErrorField)
#define PQresultErrorMessage MCP_LIBPQ_REDIRECT(PQresultErrorMessage)
#define PQclear MCP_LIBPQ_REDIRECT(PQclear)
#define PQcmdStatus MCP_LIBPQ_REDIRECT(PQcmdStatus)
#define PQprepare MCP_LIBPQ_REDIRECT(PQprepare)
#define PQexecPrepared MCP_LIBPQ_REDIRECT(PQexecPrepared)
#define PQntuples MCP_LIBPQ_REDIRECT(PQntuples)
#define PQnfields MCP_LIBPQ_REDIRECT(PQnfields)
#define PQgetisnull MCP_LIBPQ_REDIRECT(PQgetisnull)
#define PQgetvalue MCP_LIBPQ_REDIRECT(PQgetvalue)
#define PQgetlength MCP_LIBPQ_REDIRECT(PQgetlength)
#define PQcmdTuples MCP_LIBPQ_REDIRECT(PQcmdTuples)
#define PQtransactionStatus MCP_LIBPQ_REDIRECT(PQtransactionStatus)
#endif
