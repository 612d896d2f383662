#pragma once
// The one place the fuzz targets build an HTTP request of the server's request type
// (mcp::http::Request, what the front's RequestReader hands the router): when it changes, only
// this file changes.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.h"

namespace mcp::fuzz {

struct RequestSpec {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> query;  // already decoded, as the server's parser leaves them
  std::string body;
  std::string remote_addr = "127.0.0.1";
};

using Request = mcp::http::Request;
using Response = mcp::http::Response;

inline Request make_request(const RequestSpec& spec) {
  Request req;
  req.method = spec.method;
  req.path = spec.path;
  req.target = spec.path;
  for (const auto& [name, value] : spec.headers) req.headers.emplace(name, value);
  for (const auto& [name, value] : spec.query) req.params.emplace(name, value);
  req.body = spec.body;
  req.remote_addr = spec.remote_addr;
  return req;
}

}  // namespace mcp::fuzz
