#include "http/problem.h"

namespace mcp::http {

const char* status_title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status_reason(status);
  }
}

void send_problem(Response& res, int status, std::string_view detail, const nlohmann::json& extra,
                  std::string_view title) {
  nlohmann::ordered_json body = {{"type", "about:blank"},
                         {"title", title.empty() ? std::string(status_title(status)) : std::string(title)},
                         {"status", status},
                         {"detail", detail}};
  for (const auto& [key, value] : extra.items()) body[key] = value;
  std::string request_id = res.get_header_value("X-Request-Id");
  if (!request_id.empty() && !body.contains("request_id")) body["request_id"] = request_id;
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/problem+json");
}

}  // namespace mcp::http
