#pragma once
// Opens the engine a DATABASE_URL names.
#include <memory>

#include "storage/database.h"
#include "storage/database_url.h"

namespace mcp::storage {

// Throws Unavailable when the database cannot be opened, InvalidDatabaseUrl for an engine this
// build cannot serve.
std::unique_ptr<Database> open_database(const DatabaseUrl& url);

// Throws InvalidDatabaseUrl when this build cannot serve the URL's engine: lets the command line
// refuse it (exit 2) before anything is touched.
void check_engine_supported(const DatabaseUrl& url);

}  // namespace mcp::storage
