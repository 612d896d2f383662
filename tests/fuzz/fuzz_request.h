#pragma once
// The one place the fuzz targets build an HTTP request of the server's request type (today
// httplib::Request): when the HTTP front changes its type, only this file changes.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <httplib.h>

namespace mcp::fuzz {

struct RequestSpec {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> query;  // already decoded, as the server's parser leaves them
  std::string body;
  std::string remote_addr = "127.0.0.1";
};

using Request = httplib::Request;
using Response = httplib::Response;

inline Request make_request(const RequestSpec& spec) {
  Request req;
  req.method = spec.method;
  req.path = spec.path;
  for (const auto& [name, value] : spec.headers) req.headers.emplace(name, value);
  for (const auto& [name, value] : spec.query) req.params.emplace(name, value);
  req.body = spec.body;
  req.remote_addr = spec.remote_addr;
  return req;
}

}  // namespace mcp::fuzz
