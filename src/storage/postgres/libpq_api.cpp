#define MCP_LIBPQ_NO_REDIRECT
#include "storage/postgres/libpq_api.h"

#include <mutex>
#include <string>

#ifndef MCP_ADMIN_LIBPQ_LINKED
#include <dlfcn.h>
#endif

#include "storage/errors.h"

namespace mcp::storage::libpq {

namespace {

Api load() {
  Api table;
#ifdef MCP_ADMIN_LIBPQ_LINKED
#define MCP_LIBPQ_LINK(name) table.name = &::name;
  MCP_LIBPQ_FUNCTIONS(MCP_LIBPQ_LINK)
#else
  // The soname Debian's libpq5 installs; the library stays loaded for the life of the process.
  void* library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char* why = dlerror();
    throw Unavailable(std::string("PostgreSQL needs libpq, which could not be loaded (") + (why ? why : "libpq.so.5") +
                          "): install it (Debian: apt-get install libpq5) or use an SQLite database.",
                      UnavailableReason::Unreachable);
  }
#define MCP_LIBPQ_LOAD(name)                                                                               \
  table.name = reinterpret_cast<decltype(table.name)>(dlsym(library, #name));                            \
  if (!table.name) {                                                                                       \
    throw Unavailable("libpq.so.5 has no " #name ": install a libpq of PostgreSQL 10 or later (Debian: libpq5).", \
                      UnavailableReason::Unreachable);                                                     \
  }
  MCP_LIBPQ_FUNCTIONS(MCP_LIBPQ_LOAD)
#endif
  return table;
}

}  // namespace

const Api& api() {
  // A failed load is tried again by the next caller (call_once rethrows and stays unset).
  static std::once_flag once;
  static Api table;
  std::call_once(once, [] { table = load(); });
  return table;
}

}  // namespace mcp::storage::libpq
