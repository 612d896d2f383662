#pragma once
// The HTTP server: the route table behind the front (front.h: an epoll loop that owns the
// connections, a worker pool that runs complete requests), TLS with a certificate re-read on
// SIGHUP, systemd socket activation, every error an RFC 9457 problem, one log line per request
// with its request id.
#include <memory>
#include <string>

namespace mcp::app {
class App;
}

namespace mcp::http {

class HttpServer {
 public:
  // Throws std::runtime_error when the TLS certificate or key cannot be loaded.
  explicit HttpServer(app::App& app);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port from the configuration (port 0: a free one), or takes the listening socket
  // systemd passed (LISTEN_FDS). Throws std::runtime_error with the reason when it cannot.
  void bind();

  // "http://127.0.0.1:43127": the URL clients use, with the port actually bound.
  std::string url() const;

  // Serves until stop(); returns after requests in flight are answered.
  void serve();

  // Stops accepting; safe from another thread.
  void stop();

  // Re-reads the TLS certificate and key (SIGHUP): new connections get the new pair, open ones
  // keep theirs; a pair that does not load is logged and the old one kept. No-op without TLS.
  void reload_tls();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::http
