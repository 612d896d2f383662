#pragma once
// The route table: the one list of what is served, used to dispatch (with 404 and 405), to describe
// the API (openapi.h) and to label the request metrics by pattern (metrics.h). Patterns are paths with {name} segments: /api/v1/organizations/{id}.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/request.h"

namespace mcp::http {

using PathParams = std::map<std::string, std::string, std::less<>>;

struct RequestContext {
  const Request& req;
  Response& res;
  PathParams params;
};

using Handler = std::function<void(RequestContext&)>;

// A query parameter a route reads, for the OpenAPI document.
struct QueryParam {
  std::string name;
  std::string type = "string";  // JSON Schema type: string | integer | boolean
  std::string description;
};

// What the OpenAPI document says about a route beyond its method, path and summary. Path
// parameters come from the pattern itself.
// A response header a route sets on success (the gateway's X-MCP-*).
struct ResponseHeader {
  std::string name;
  std::string description;
  bool always = true;  // false: only in some answers (X-MCP-User only for a user's credential)
};

struct RouteDoc {
  std::string tag = {};                        // groups routes in the document ("organizations")
  bool authenticated = false;                  // needs Authorization: Bearer (API key or Clerk JWT)
  std::vector<QueryParam> query = {};          // query parameters it reads
  nlohmann::json request_schema = {};          // JSON Schema of the body; null when it takes none
  int success_status = 200;                    // 200, 201 or 204
  std::vector<int> other_success_statuses = {};  // with the same body (POST /sessions: 200 on update)
  std::vector<ResponseHeader> response_headers = {};  // set on success
  nlohmann::json response_schema = {};         // JSON Schema of the success body; null when none
  std::string response_content_type = "application/json";  // of the success body (/metrics: text/plain)
  std::vector<std::string> other_response_content_types = {};  // the success body may be these too (CSS beside JS)
  std::vector<int> bodiless_statuses = {};     // answered without a body (304 Not Modified)
  std::vector<int> error_statuses = {};        // problem statuses beyond the usual ones (503, 409, ...)
  bool api_key_header = false;                 // also takes X-API-Key instead of Authorization (the gateway)
};

struct Route {
  std::string method;   // GET, POST, PUT, PATCH, DELETE
  std::string pattern;  // /api/v1/organizations/{id}
  std::string summary;  // one line, for docs
  Handler handler;
  RouteDoc doc;
  std::vector<std::string> segments;
  size_t pattern_index = 0;  // index into Router::patterns(): routes sharing a pattern share it
};

class Router {
 public:
  void add(std::string method, std::string pattern, std::string summary, Handler handler, RouteDoc doc = {});

  // Runs the matching route; answers 404 (no such path) or 405 with Allow (path exists, not this method).
  // HEAD is served by the GET route.
  void dispatch(const Request& req, Response& res) const;

  const std::vector<Route>& routes() const { return routes_; }

  // The distinct patterns, in the order first added: the bounded `route` label of the metrics.
  const std::vector<std::string>& patterns() const { return patterns_; }

  static constexpr int kNoRoute = -1;

  // The pattern index the last dispatch on this thread matched (also when it answered 405), or
  // kNoRoute; resets it. The server's logger runs on the thread that dispatched, after the response.
  static int take_matched_pattern();

 private:
  static bool match(const Route& route, const std::vector<std::string_view>& path, PathParams* params);
  std::vector<Route> routes_;
  std::vector<std::string> patterns_;
};

}  // namespace mcp::http
