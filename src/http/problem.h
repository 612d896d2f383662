#pragma once
// RFC 9457 problem details: every error the HTTP layer sends.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/request.h"

namespace mcp::http {

// Fills the response with application/problem+json: type, title (the status's reason phrase unless
// given), status, detail, and `extra` members (e.g. "errors", "request_id").
void send_problem(Response& res, int status, std::string_view detail,
                  const nlohmann::json& extra = nlohmann::json::object(), std::string_view title = {});

// The reason phrase of a status ("Not Found").
const char* status_title(int status);

}  // namespace mcp::http
