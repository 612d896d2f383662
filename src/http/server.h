#pragma once
// The HTTP server: cpp-httplib set up for keep-alive load (TCP_NODELAY, a thread per kept-alive
// connection, a raised listen backlog, a bounded queue), every response an RFC 9457 problem on
// error, one log line per request with its request id.
#include <memory>
#include <string>

namespace mcp::app {
class App;
}

namespace mcp::http {

class HttpServer {
 public:
  explicit HttpServer(app::App& app);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port from the configuration (port 0: a free one). Throws std::runtime_error with the
  // reason when it cannot.
  void bind();

  // "http://127.0.0.1:43127": the URL clients use, with the port actually bound.
  std::string url() const;

  // Serves until stop(); returns after requests in flight are answered.
  void serve();

  // Stops accepting; safe from another thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcp::http
