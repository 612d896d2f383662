#include "http/server.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "app/app.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/routes.h"
#include "util/ids.h"
#include "util/log.h"

namespace mcp::http {

namespace {

constexpr size_t kMaxBodyBytes = 1024 * 1024;
constexpr size_t kMaxQueuedConnections = 4096;

// httplib's own pool has an unbounded queue; this one makes the accept loop wait instead, so
// connections beyond it stay in the kernel's listen backlog rather than in our memory.
class BoundedThreadPool final : public httplib::TaskQueue {
 public:
  BoundedThreadPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
    for (size_t idx = 0; idx < threads; ++idx) workers_.emplace_back([this] { work(); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock lock(mutex_);
      space_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
      jobs_.push_back(std::move(fn));
    }
    ready_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      shutdown_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    for (auto& worker : workers_) worker.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;  // shut down and drained: queued connections were served first
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      space_.notify_one();
      fn();
    }
  }

  size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool shutdown_ = false;
};

// The worker thread that runs a request also runs its logger: thread-local timing needs no locks.
struct RequestTiming {
  std::chrono::steady_clock::time_point start;
  bool active = false;
};
thread_local RequestTiming t_timing;

bool is_safe_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

struct HttpServer::Impl {
  app::App& app;
  std::unique_ptr<httplib::Server> server;
  Router router;
  int bound_port = 0;

  explicit Impl(app::App& application) : app(application) {}
};

HttpServer::HttpServer(app::App& app) : impl_(std::make_unique<Impl>(app)) {
  const auto& config = app.config();
  if (config.tls_cert) {
    impl_->server = std::make_unique<httplib::SSLServer>(config.tls_cert->c_str(), config.tls_key->c_str());
    if (!impl_->server->is_valid()) {
      throw std::runtime_error("cannot load the TLS certificate or key (--tls-cert / --tls-key): check they are PEM "
                               "files that match");
    }
  } else {
    impl_->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& svr = *impl_->server;
  Router& router = impl_->router;
  add_health_routes(router, app);

  size_t threads = static_cast<size_t>(config.http_threads);
  svr.new_task_queue = [threads] { return new BoundedThreadPool(threads, kMaxQueuedConnections); };
  svr.set_tcp_nodelay(true);                 // without it Nagle + delayed ACKs cost ~44 ms a request
  svr.set_keep_alive_max_count(1000000);     // httplib's default closes a connection every 5 requests
  svr.set_keep_alive_timeout(5);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_payload_max_length(kMaxBodyBytes);

  svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    t_timing.start = std::chrono::steady_clock::now();
    t_timing.active = true;
    std::string id = req.get_header_value("X-Request-Id");
    res.set_header("X-Request-Id", is_safe_request_id(id) ? id : util::new_request_id());
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto dispatch = [&router](const httplib::Request& req, httplib::Response& res) { router.dispatch(req, res); };
  svr.Get(".*", dispatch);
  svr.Post(".*", dispatch);
  svr.Put(".*", dispatch);
  svr.Patch(".*", dispatch);
  svr.Delete(".*", dispatch);
  svr.Options(".*", dispatch);

  // Statuses httplib produces itself (400 bad request line, 413 body too large, 414, ...) become
  // problem JSON; responses our handlers already filled are left alone.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.get_header_value("X-Request-Id").empty()) res.set_header("X-Request-Id", util::new_request_id());
    std::string detail;
    switch (res.status) {
      case 413: detail = "The request body is larger than the limit of 1 MiB."; break;
      case 414: detail = "The request URI is too long."; break;
      case 404: detail = "There is nothing at " + req.path + "."; break;
      default: detail = "The request could not be read as HTTP."; break;
    }
    send_problem(res, res.status, detail);
    return httplib::Server::HandlerResponse::Handled;
  }));

  // Never let an exception's text reach a client: log it with the request id, answer 500.
  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string cause = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      cause = e.what();
    } catch (...) {
    }
    std::string request_id = res.get_header_value("X-Request-Id");
    util::log_error("unhandled error", {{"request_id", request_id}, {"path", req.path}, {"error", cause}});
    res.headers.clear();
    res.set_header("X-Request-Id", request_id);
    send_problem(res, 500, "An internal error occurred; it was logged with this request id.");
  });

  svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    double ms = 0;
    if (t_timing.active) {
      ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_timing.start).count();
      t_timing.active = false;
    }
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
  });
}

HttpServer::~HttpServer() = default;

void HttpServer::bind() {
  const auto& config = impl_->app.config();
  httplib::Server& svr = *impl_->server;
  if (config.port == 0) {
    impl_->bound_port = svr.bind_to_any_port(config.host);
  } else {
    impl_->bound_port = svr.bind_to_port(config.host, config.port) ? config.port : -1;
  }
  if (impl_->bound_port <= 0) {
    throw std::runtime_error("cannot listen on " + config.host + ":" + std::to_string(config.port) +
                             " (is the port in use, or the address not one of this machine's? try --port 0)");
  }
}

std::string HttpServer::url() const {
  const auto& config = impl_->app.config();
  std::string host = config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
  return std::string(config.tls_cert ? "https" : "http") + "://" + host + ":" + std::to_string(impl_->bound_port);
}

void HttpServer::serve() { impl_->server->listen_after_bind(); }

void HttpServer::stop() { impl_->server->stop(); }

}  // namespace mcp::http
