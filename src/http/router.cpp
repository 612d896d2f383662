#include "http/router.h"

#include "http/problem.h"

namespace mcp::http {

namespace {
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  // "/api/health/" is the same resource as "/api/health".
  if (segments.size() > 1 && segments.back().empty()) segments.pop_back();
  return segments;
}
}  // namespace

void Router::add(std::string method, std::string pattern, std::string summary, Handler handler, RouteDoc doc) {
  Route route{std::move(method), std::move(pattern), std::move(summary), std::move(handler), std::move(doc), {}};
  for (std::string_view segment : split_path(route.pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& path, PathParams* params) {
  if (route.segments.size() != path.size()) return false;
  for (size_t idx = 0; idx < path.size(); ++idx) {
    const std::string& expected = route.segments[idx];
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      if (path[idx].empty()) return false;
      if (params) params->emplace(expected.substr(1, expected.size() - 2), std::string(path[idx]));
    } else if (expected != path[idx]) {
      return false;
    }
  }
  return true;
}

void Router::dispatch(const httplib::Request& req, httplib::Response& res) const {
  std::vector<std::string_view> path = split_path(req.path);
  std::string_view method = req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
  std::string allowed;
  for (const Route& route : routes_) {
    if (!match(route, path, nullptr)) continue;
    if (route.method == method) {
      RequestContext context{req, res, {}};
      match(route, path, &context.params);
      route.handler(context);
      return;
    }
    if (allowed.find(route.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (!allowed.empty()) {
    if (allowed.find("GET") != std::string::npos) allowed += ", HEAD";
    res.set_header("Allow", allowed);
    send_problem(res, 405, "The method " + req.method + " is not allowed on " + req.path + "; allowed: " + allowed);
    return;
  }
  send_problem(res, 404, "There is nothing at " + req.path + ".");
}

}  // namespace mcp::http
