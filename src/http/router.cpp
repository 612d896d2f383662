#include "http/router.h"

#include <algorithm>

#include "http/problem.h"

namespace mcp::http {

namespace {
// Set by dispatch, read by the logger on the same worker thread: no locks on the request path.
thread_local int t_matched_pattern = Router::kNoRoute;

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
  auto known = std::find(patterns_.begin(), patterns_.end(), route.pattern);
  route.pattern_index = static_cast<size_t>(known - patterns_.begin());
  if (known == patterns_.end()) patterns_.push_back(route.pattern);
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

int Router::take_matched_pattern() {
  int matched = t_matched_pattern;
  t_matched_pattern = kNoRoute;
  return matched;
}

void Router::dispatch(const Request& req, Response& res) const {
  t_matched_pattern = kNoRoute;
  std::vector<std::string_view> path = split_path(req.path);
  std::string_view method = req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
  std::string allowed;
  for (const Route& route : routes_) {
    if (!match(route, path, nullptr)) continue;
    t_matched_pattern = static_cast<int>(route.pattern_index);
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
    send_problem(res, 405, "The method " + req.method + " is not allowed on " + req.path + "; allowed: " + allowed,
                 {{"code", "method_not_allowed"}});
    return;
  }
  // The "code" member tells the router's "no such path" apart from a handler's 404 (no such
  // resource); the type stays about:blank, as for every other problem.
  send_problem(res, 404, "There is nothing at " + req.path + ".", {{"code", "no_route"}});
}

}  // namespace mcp::http
