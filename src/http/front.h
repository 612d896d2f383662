#pragma once
// The front door: one epoll thread owns every connection (accepts, reads without blocking, feeds
// the RequestReader, keeps the deadlines and the connection cap) and hands COMPLETE requests to a
// WorkerPool. The worker runs the handler, writes the answer without blocking and gives the
// connection back (the rest of a large answer is written by the loop when the socket can take
// it). A connection waiting for bytes holds no thread and costs a few hundred bytes, so idle,
// slow and half-sent connections cannot starve the others. Pipelined requests on a connection
// are answered one at a time, in order. README "HTTP" documents the limits and why this design.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "http/request.h"
#include "http/request_reader.h"

namespace mcp::http {

class TlsContext;

struct FrontLimits {
  size_t max_connections = 20000;
  size_t worker_threads = 64;
  // From the first byte of a request (or from accept, or the TLS handshake's start) to its
  // complete header.
  std::chrono::milliseconds header_timeout{10'000};
  // From the complete header to the complete body.
  std::chrono::milliseconds body_timeout{30'000};
  // A kept-alive connection between requests.
  std::chrono::milliseconds idle_timeout{75'000};
  // An answer that the client does not read.
  std::chrono::milliseconds write_timeout{30'000};
  ReaderLimits reader;
};

// Runs a complete request on a worker thread and fills the response.
using RequestHandler = std::function<void(Request& req, Response& res)>;

// Fills the answer to a request the front refuses itself (400, 408, 413, 414, 431, 501, 503, 505),
// and logs it when log is true.
using RefusalHandler =
    std::function<void(int status, const std::string& detail, const std::string& remote_addr, bool log, Response& res)>;

class Front {
 public:
  // Takes ownership of listen_fd (non-blocking, listening). tls may be null (plain HTTP).
  Front(int listen_fd, FrontLimits limits, TlsContext* tls, RequestHandler handler, RefusalHandler refusal);
  ~Front();
  Front(const Front&) = delete;
  Front& operator=(const Front&) = delete;

  // Serves until stop(); then stops accepting, closes connections that wait between requests,
  // answers the requests already started, and returns once every connection is closed.
  void run();

  // Safe from any thread, any number of times.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The bytes of an answer: status line, headers, Content-Length, "Connection: close" unless
// keep_alive, and the body unless head_request (or the status has none).
std::string serialize_response(const Response& res, bool head_request, bool keep_alive);

}  // namespace mcp::http
