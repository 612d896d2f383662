#include "http/server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "app/app.h"
#include "http/metrics.h"
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
// connections beyond it stay in the kernel's listen backlog rather than in our memory. Threads are
// started as connections need them (each kept-alive connection holds one), up to max_threads:
// starting all of them up front costs milliseconds at start and memory when idle.
class BoundedThreadPool final : public httplib::TaskQueue {
 public:
  BoundedThreadPool(size_t max_threads, size_t max_queued) : max_threads_(max_threads), max_queued_(max_queued) {
    std::lock_guard lock(mutex_);
    for (size_t idx = 0; idx < std::min<size_t>(kInitialThreads, max_threads_); ++idx) start_worker();
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::unique_lock lock(mutex_);
      space_.wait(lock, [&] { return jobs_.size() < max_queued_ || shutdown_; });
      jobs_.push_back(std::move(fn));
      if (idle_ < jobs_.size() && workers_.size() < max_threads_) start_worker();
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
  static constexpr size_t kInitialThreads = 4;

  void start_worker() { workers_.emplace_back([this] { work(); }); }  // with mutex_ held

  void work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mutex_);
        ++idle_;
        ready_.wait(lock, [&] { return !jobs_.empty() || shutdown_; });
        --idle_;
        if (jobs_.empty()) return;  // shut down and drained: queued connections were served first
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      space_.notify_one();
      fn();
    }
  }

  size_t max_threads_;
  size_t max_queued_;
  size_t idle_ = 0;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  bool shutdown_ = false;
};

// Closes idle kept-alive connections at stop(): httplib notices a stop only between requests,
// so an idle keep-alive connection would hold the shutdown for up to the keep-alive timeout.
// httplib does not expose accepted sockets, so stop() finds them in /proc/self/fd (rare, cheap)
// and each worker thread publishes the peer of the request it is serving (per request, uncontended).
class ConnectionTracker {
 public:
  void mark_busy(const httplib::Request& req) {
    Slot& slot = my_slot();
    std::lock_guard lock(slot.mutex);
    slot.busy_peer = req.remote_addr + ":" + std::to_string(req.remote_port);
  }

  void mark_idle() {
    Slot& slot = my_slot();
    std::lock_guard lock(slot.mutex);
    slot.busy_peer.clear();
  }

  // Shuts down the connections to local_port that are between requests with nothing unread.
  void close_idle(int local_port) {
    std::vector<std::string> busy;
    {
      std::lock_guard lock(slots_mutex_);
      for (auto& slot : slots_) {
        std::lock_guard slot_lock(slot->mutex);
        if (!slot->busy_peer.empty()) busy.push_back(slot->busy_peer);
      }
    }
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return;
    while (dirent* entry = ::readdir(dir)) {
      int fd = std::atoi(entry->d_name);
      if (fd <= 2 || fd == ::dirfd(dir)) continue;
      std::string peer = peer_if_connection_to(fd, local_port);
      if (peer.empty() || std::find(busy.begin(), busy.end(), peer) != busy.end()) continue;
      int unread = 0;
      if (::ioctl(fd, FIONREAD, &unread) == 0 && unread == 0) ::shutdown(fd, SHUT_RDWR);
    }
    ::closedir(dir);
  }

 private:
  struct Slot {
    std::mutex mutex;
    std::string busy_peer;  // "addr:port" as httplib reports it, empty when idle
  };

  Slot& my_slot() {
    thread_local std::pair<ConnectionTracker*, Slot*> mine{nullptr, nullptr};
    if (mine.first != this) {
      std::lock_guard lock(slots_mutex_);
      slots_.push_back(std::make_unique<Slot>());
      mine = {this, slots_.back().get()};
    }
    return *mine.second;
  }

  // "addr:port" of the peer when fd is a TCP connection accepted on local_port; empty otherwise.
  static std::string peer_if_connection_to(int fd, int local_port) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return {};
    sockaddr_storage local{}, remote{};
    socklen_t local_len = sizeof local, remote_len = sizeof remote;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return {};
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&remote), &remote_len) != 0) return {};
    char address[INET6_ADDRSTRLEN] = {};
    int port = 0, remote_port = 0;
    if (local.ss_family == AF_INET) {
      port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
      auto* in = reinterpret_cast<sockaddr_in*>(&remote);
      ::inet_ntop(AF_INET, &in->sin_addr, address, sizeof address);
      remote_port = ntohs(in->sin_port);
    } else if (local.ss_family == AF_INET6) {
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&remote);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, address, sizeof address);
      remote_port = ntohs(in6->sin6_port);
    } else {
      return {};
    }
    if (port != local_port) return {};
    return std::string(address) + ":" + std::to_string(remote_port);
  }

  std::mutex slots_mutex_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

// The worker thread that runs a request also runs its logger: thread-local timing needs no locks.
struct RequestTiming {
  std::chrono::steady_clock::time_point start;
  bool active = false;
};
thread_local RequestTiming t_timing;

// RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has an empty body.
// httplib 0.11 instead reads such a POST/PUT/PATCH/DELETE body until the client closes, so
// `curl -X DELETE …` waited out the read timeout and got 400. Saying "Content-Length: 0" before
// httplib reads the body restores the RFC's reading (fixed upstream in later httplib releases).
// The Request is httplib's own mutable object, handed to this hook as const.
void declare_empty_body_when_unframed(const httplib::Request& req) {
  if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) return;
  const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
}

// Nothing here is served in parts, and httplib 0.11 answers a Range header by repeating the body
// once per listed range, without a cap: an 8 KB header of "0-,0-,…" turned a 56 KB answer into
// 150 MB in memory. Without ranges every answer is the whole body, which RFC 9110 §14.2 allows.
void ignore_range_requests(const httplib::Request& req) {
  if (req.ranges.empty() && !req.has_header("Range")) return;
  auto& mutable_req = const_cast<httplib::Request&>(req);
  mutable_req.ranges.clear();
  mutable_req.headers.erase("Range");
}

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
  ConnectionTracker connections;
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
  add_oauth_metadata_routes(router, app);
  add_admin_page_routes(router);

  size_t threads = static_cast<size_t>(config.http_threads);
  svr.new_task_queue = [threads] { return new BoundedThreadPool(threads, kMaxQueuedConnections); };
  // httplib's default sets SO_REUSEPORT, which lets a second `serve` on the same port start and
  // silently take half the connections. SO_REUSEADDR alone still allows a quick restart.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  svr.set_tcp_nodelay(true);                 // without it Nagle + delayed ACKs cost ~44 ms a request
  svr.set_keep_alive_max_count(1000000);     // httplib's default closes a connection every 5 requests
  svr.set_keep_alive_timeout(5);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_payload_max_length(kMaxBodyBytes);

  ConnectionTracker& connections = impl_->connections;
  svr.set_pre_routing_handler([&connections](const httplib::Request& req, httplib::Response& res) {
    t_timing.start = std::chrono::steady_clock::now();
    t_timing.active = true;
    connections.mark_busy(req);
    declare_empty_body_when_unframed(req);
    ignore_range_requests(req);
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

  svr.set_logger([&connections](const httplib::Request& req, const httplib::Response& res) {
    connections.mark_idle();  // the response is written
    double ms = 0;
    if (t_timing.active) {
      ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_timing.start).count();
      t_timing.active = false;
    }
    // Labelled by the pattern the router matched, never the raw path (unbounded, may carry ids).
    record_request(req.method, Router::take_matched_pattern(), res.status, ms / 1000);
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

void HttpServer::stop() {
  impl_->server->stop();
  impl_->connections.close_idle(impl_->bound_port);
}

}  // namespace mcp::http
