#include "http/server.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "app/app.h"
#include "http/front.h"
#include "http/listener.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/routes.h"
#include "http/tls_context.h"
#include "util/ids.h"
#include "util/log.h"

namespace mcp::http {

namespace {

bool is_safe_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.';
    if (!ok) return false;
  }
  return true;
}

void log_request(const Request& req, const Response& res, double ms) {
  util::LogLevel level = res.status >= 500 ? util::LogLevel::Error : util::LogLevel::Info;
  if (!util::log_enabled(level)) return;
  // The path only: query strings may carry tokens.
  util::log(level, "request",
            {{"method", req.method},
             {"path", req.path},
             {"status", res.status},
             {"ms", static_cast<double>(static_cast<int64_t>(ms * 1000)) / 1000},
             {"request_id", res.get_header_value("X-Request-Id")},
             {"remote", req.remote_addr}});
}

// Runs on a worker: request id, routing, exceptions as 500 (cause logged, never sent), metrics by
// route pattern, one log line.
void handle(const Router& router, Request& req, Response& res) {
  auto start = std::chrono::steady_clock::now();
  std::string id = req.get_header_value("X-Request-Id");
  std::string request_id = is_safe_request_id(id) ? id : util::new_request_id();
  res.set_header("X-Request-Id", request_id);
  try {
    router.dispatch(req, res);
  } catch (const std::exception& e) {
    util::log_error("unhandled error", {{"request_id", request_id}, {"path", req.path}, {"error", e.what()}});
    res = Response{};
    res.set_header("X-Request-Id", request_id);
    send_problem(res, 500, "An internal error occurred; it was logged with this request id.");
  } catch (...) {
    util::log_error("unhandled error", {{"request_id", request_id}, {"path", req.path}, {"error", "unknown exception"}});
    res = Response{};
    res.set_header("X-Request-Id", request_id);
    send_problem(res, 500, "An internal error occurred; it was logged with this request id.");
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  // Labelled by the pattern the router matched, never the raw path (unbounded, may carry ids).
  record_request(req.method, Router::take_matched_pattern(), res.status, ms / 1000);
  log_request(req, res, ms);
}

// A request the front refuses before routing (it could not be read, or arrived too slowly, or
// the server is full): problem JSON with a fresh request id, counted as route "unmatched".
void refuse(int status, const std::string& detail, const std::string& remote_addr, bool log, Response& res) {
  std::string request_id = util::new_request_id();
  res.set_header("X-Request-Id", request_id);
  send_problem(res, status, detail);
  if (status != 503) record_request("OTHER", Router::kNoRoute, status, 0);
  if (!log) return;
  util::LogLevel level = status == 503 ? util::LogLevel::Warn : util::LogLevel::Info;
  if (!util::log_enabled(level)) return;
  util::log(level, "request refused",
            {{"status", status}, {"detail", detail}, {"request_id", request_id}, {"remote", remote_addr}});
}

}  // namespace

struct HttpServer::Impl {
  app::App& app;
  Router router;
  std::unique_ptr<TlsContext> tls;
  Listener listener;
  std::unique_ptr<Front> front;

  explicit Impl(app::App& application) : app(application) {}
};

HttpServer::HttpServer(app::App& app) : impl_(std::make_unique<Impl>(app)) {
  const auto& config = app.config();
  if (config.tls_cert) impl_->tls = std::make_unique<TlsContext>(*config.tls_cert, *config.tls_key);
  Router& router = impl_->router;
  add_health_routes(router, app);
  add_webhook_routes(router, app);
  add_meta_routes(router, app);
  add_organization_routes(router, app);
  add_user_routes(router, app);
  add_mcp_server_routes(router, app);
  add_service_routes(router, app);
  add_api_key_routes(router, app);
  add_session_routes(router, app);
  add_audit_log_routes(router, app);
  add_gateway_routes(router, app);
  add_me_routes(router, app);
  add_sign_in_routes(router, app);
  add_oauth_metadata_routes(router, app);
  add_admin_page_routes(router);
}

HttpServer::~HttpServer() = default;

void HttpServer::bind() {
  const auto& config = impl_->app.config();
  constexpr size_t kDefaultMaxConnections = 20000;
  constexpr size_t kReservedDescriptors = 128;  // database, log, listener, epoll, a spare for refusing
  long open_files = raise_open_file_limit();
  size_t allowed = open_files < 0 ? SIZE_MAX
                   : static_cast<size_t>(open_files) > kReservedDescriptors + 1
                       ? static_cast<size_t>(open_files) - kReservedDescriptors
                       : 1;
  size_t max_connections = std::min(config.max_connections.value_or(kDefaultMaxConnections), allowed);
  if (config.max_connections && max_connections < *config.max_connections) {
    util::log_warn("--max-connections lowered to what the open-file limit allows",
                   {{"max_connections", static_cast<int64_t>(max_connections)},
                    {"open_file_limit", static_cast<int64_t>(open_files)},
                    {"hint", "raise LimitNOFILE= (systemd) or ulimit -Hn"}});
  }
  impl_->listener = inherited_listener();
  if (impl_->listener.fd < 0) impl_->listener = open_listener(config.host, config.port);
  FrontLimits limits;
  limits.max_connections = max_connections;
  limits.worker_threads = static_cast<size_t>(config.http_threads);
  const Router& router = impl_->router;
  impl_->front = std::make_unique<Front>(
      impl_->listener.fd, limits, impl_->tls.get(), [&router](Request& req, Response& res) { handle(router, req, res); },
      refuse);
}

std::string HttpServer::url() const {
  const auto& config = impl_->app.config();
  const std::string& address = impl_->listener.host;
  std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return std::string(config.tls_cert ? "https" : "http") + "://" + host + ":" + std::to_string(impl_->listener.port);
}

void HttpServer::serve() { impl_->front->run(); }

void HttpServer::stop() {
  if (impl_->front) impl_->front->stop();
}

void HttpServer::reload_tls() {
  if (!impl_->tls) {
    util::log_info("SIGHUP: nothing to reload (no --tls-cert)");
    return;
  }
  if (auto why = impl_->tls->reload()) {
    util::log_error("TLS certificate not reloaded; the previous one stays in use", {{"error", *why}});
    return;
  }
  util::log_info("TLS certificate reloaded", {{"certificate", *impl_->app.config().tls_cert}});
}

}  // namespace mcp::http
