#pragma once
// The client side of `mcp-admin health`: asks a running server's /api/health.
#include <string>

namespace mcp::http {

struct ProbeResult {
  bool healthy = false;
  int status = 0;        // HTTP status, 0 when there was no answer
  std::string summary;   // one line for people and Docker's HEALTHCHECK log
};

// GETs `url` (http:// or https://…/api/health) with a 5 s timeout. Throws std::invalid_argument for
// a URL that is not http(s).
ProbeResult probe_health(const std::string& url);

}  // namespace mcp::http
