#include "http/health_probe.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "util/json_limits.h"

namespace mcp::http {

ProbeResult probe_health(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.substr(0, scheme_end) != "http" && url.substr(0, scheme_end) != "https")) {
    throw std::invalid_argument("--url '" + url + "' is not an http:// or https:// URL");
  }
  size_t path_start = url.find('/', scheme_end + 3);
  std::string origin = path_start == std::string::npos ? url : url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/api/health" : url.substr(path_start);
  if (origin.size() == scheme_end + 3) throw std::invalid_argument("--url '" + url + "' names no host");

  httplib::Client client(origin);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  client.enable_server_certificate_verification(false);  // a health probe of our own, often self-signed
  ProbeResult result;
  auto response = client.Get(path);
  if (!response) {
    result.summary = "unhealthy: no answer from " + origin + " (" + httplib::to_string(response.error()) + ")";
    return result;
  }
  result.status = response->status;
  // The answer of whatever listens at --url: parsed with a small depth limit like any outside input.
  auto body = util::parse_json_limited(response->body, 8).value;
  std::string status = body.is_object() ? body.value("status", std::string()) : std::string();
  result.healthy = response->status == 200 && status == "ok";
  result.summary = std::string(result.healthy ? "healthy" : "unhealthy") + ": " + std::to_string(response->status);
  if (body.is_object() && body.contains("database") && body["database"].is_object()) {
    result.summary += " database " + body["database"].value("status", std::string("?"));
  }
  if (body.is_object() && body.contains("reason") && body["reason"].is_string()) {
    result.summary += " (" + body["reason"].get<std::string>() + ")";
  }
  return result;
}

}  // namespace mcp::http
