#pragma once
// Turns the bytes of one HTTP/1.1 connection into requests, one after another (pipelining), or
// into the error status that ends the connection. No sockets here: the front feeds it what it
// read, and a fuzz target can feed it anything.
//
// Framing is Boost.Beast's push parser (http::request_parser, fed with put()): chunked coding,
// chunk extensions and trailers, obs-fold, Content-Length lists and their conflicts are its job.
// On top of it, rules this server adds (README "HTTP"): the body limit for every transfer coding,
// Transfer-Encoding other than exactly "chunked" refused (501), Content-Length together with
// Transfer-Encoding refused (400), a body on GET or HEAD refused (400) rather than read as the next
// request, header line and size limits, and Expect: 100-continue.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"

namespace mcp::http {

struct ReaderLimits {
  size_t max_body_bytes = 1024 * 1024;       // 413 beyond, for every transfer coding
  size_t max_header_bytes = 64 * 1024;       // request line and header fields together: 431 beyond
  size_t max_header_lines = 100;             // header fields: 400 beyond
  size_t max_header_line_bytes = 8 * 1024;   // one header line: 400 beyond
  size_t max_target_bytes = 8 * 1024;        // the request-target: 414 beyond
};

// A request read whole. Request::remote_addr/remote_port are left for the caller to fill.
struct ReadRequest {
  Request request;
  bool keep_alive = true;  // false: HTTP/1.0 or "Connection: close"; close after the answer
};

// Why the connection cannot go on: the status to answer (400, 413, 414, 431, 501) and a sentence.
struct ReadError {
  int status = 400;
  std::string detail;
};

class RequestReader {
 public:
  explicit RequestReader(ReaderLimits limits = {});
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Appends bytes read from the connection.
  void append(std::string_view bytes);

  enum class State { NeedMore, Ready, Failed };

  // Parses what has been appended. Ready: take() the request (bytes after it stay for the next
  // one). Failed: error() says why; the reader stays failed.
  State parse();

  ReadRequest take();
  const ReadError& error() const { return error_; }

  // True once a byte of the current request has arrived (the header deadline runs; an idle
  // kept-alive connection has none).
  bool started() const { return !buffer_.empty() || header_done_; }
  bool header_done() const { return header_done_; }

  // True once per request whose header asked "Expect: 100-continue" and whose body has not all
  // arrived: the caller sends "HTTP/1.1 100 Continue" before reading on.
  bool take_continue_request();

  // Bytes buffered and not yet parsed (to bound what a connection holds).
  size_t buffered() const { return buffer_.size(); }

 private:
  struct Parser;
  State fail(int status, std::string detail);
  std::optional<ReadError> check_unparsed_header() const;
  std::optional<ReadError> check_header();
  // Takes the body limit of a chunked request from Beast (see Parser::chunked_bytes).
  void count_chunked_body();
  void reset_parser();

  ReaderLimits limits_;
  std::unique_ptr<Parser> parser_;
  std::string buffer_;  // received, not yet consumed by the parser
  bool header_done_ = false;
  bool wants_continue_ = false;
  bool ready_ = false;
  ReadError error_;
  State state_ = State::NeedMore;
};

}  // namespace mcp::http
