#pragma once
// The route table: the one list of what is served, used to dispatch (with 404 and 405) and, later,
// to describe the API. Patterns are paths with {name} segments: /api/v1/organizations/{id}.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>

namespace mcp::http {

using PathParams = std::map<std::string, std::string, std::less<>>;

struct RequestContext {
  const httplib::Request& req;
  httplib::Response& res;
  PathParams params;
};

using Handler = std::function<void(RequestContext&)>;

struct Route {
  std::string method;   // GET, POST, PUT, PATCH, DELETE
  std::string pattern;  // /api/v1/organizations/{id}
  std::string summary;  // one line, for docs
  Handler handler;
  std::vector<std::string> segments;
};

class Router {
 public:
  void add(std::string method, std::string pattern, std::string summary, Handler handler);

  // Runs the matching route; answers 404 (no such path) or 405 with Allow (path exists, not this method).
  // HEAD is served by the GET route.
  void dispatch(const httplib::Request& req, httplib::Response& res) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool match(const Route& route, const std::vector<std::string_view>& path, PathParams* params);
  std::vector<Route> routes_;
};

}  // namespace mcp::http
