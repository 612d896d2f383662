// Beast runs here as in the release build, in every build: its BOOST_ASSERTs compiled out. One of
// them (basic_parser.ipp, parse_chunk_header, `n >= 5`) does not hold when a final chunk arrives a
// byte at a time, and the code after it handles that case; the http_request fuzz target found it
// (tests/fuzz/corpus/http_request/crash-beast-final-chunk-bytewise). Boost 1.74, Debian 12.
#define BOOST_DISABLE_ASSERTS
#include "http/request_reader.h"

#include <algorithm>
#include <functional>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace mcp::http {

namespace beast_http = boost::beast::http;

struct RequestReader::Parser {
  beast_http::request_parser<beast_http::string_body> parser;
  // Where the scan of the unparsed header stopped, and what it counted so far (incremental, so a
  // client sending one byte at a time costs one byte of scanning per byte).
  size_t scanned = 0;
  size_t line_start = 0;
  size_t lines = 0;  // complete lines, the request line included
  bool header_end_seen = false;
  // A chunked body's limit is counted here, once per chunk: Beast's own count subtracts a chunk's
  // declared size each time it re-reads a chunk line whose extension has not all arrived, so a
  // slow client's malformed extension read as 413 instead of 400
  // (tests/fuzz/corpus/http_request/crash-chunk-extension-bytewise-413).
  std::uint64_t chunked_bytes = 0;
  std::function<void(std::uint64_t, boost::beast::string_view, boost::system::error_code&)> on_chunk_header;
};

namespace {

std::string trim_lower(std::string_view text) {
  size_t first = text.find_first_not_of(" \t");
  size_t last = text.find_last_not_of(" \t");
  std::string out = first == std::string_view::npos ? std::string() : std::string(text.substr(first, last - first + 1));
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

std::string_view view(boost::beast::string_view text) { return {text.data(), text.size()}; }

std::string kib(size_t bytes) { return std::to_string(bytes / 1024) + " KiB"; }

std::string too_large(size_t limit) {
  std::string amount = limit % (1024 * 1024) == 0 ? std::to_string(limit / (1024 * 1024)) + " MiB" : kib(limit);
  return "The request body is larger than the limit of " + amount + ".";
}

}  // namespace

RequestReader::RequestReader(ReaderLimits limits) : limits_(limits) { reset_parser(); }

RequestReader::~RequestReader() = default;

void RequestReader::reset_parser() {
  parser_ = std::make_unique<Parser>();
  parser_->parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_->parser.body_limit(static_cast<std::uint64_t>(limits_.max_body_bytes));
  header_done_ = false;
  wants_continue_ = false;
}

void RequestReader::append(std::string_view bytes) { buffer_.append(bytes); }

RequestReader::State RequestReader::fail(int status, std::string detail) {
  error_ = ReadError{status, std::move(detail)};
  state_ = State::Failed;
  return state_;
}

// Line limits, checked on the bytes of a header that has not all arrived yet: a header of 5,000
// short lines is refused for its line count, not for its size.
std::optional<ReadError> RequestReader::check_unparsed_header() const {
  Parser& p = *parser_;
  for (; p.scanned < buffer_.size() && !p.header_end_seen; ++p.scanned) {
    if (buffer_[p.scanned] != '\n') continue;
    size_t length = p.scanned + 1 - p.line_start;
    if (length <= 2 && p.lines > 0) {
      p.header_end_seen = true;  // the empty line
      break;
    }
    if (p.lines == 0 && length > limits_.max_target_bytes + 32) {
      return ReadError{414, "The request URI is longer than " + kib(limits_.max_target_bytes) + "."};
    }
    if (p.lines > 0 && length > limits_.max_header_line_bytes) {
      return ReadError{400, "A request header line is longer than " + kib(limits_.max_header_line_bytes) + "."};
    }
    ++p.lines;
    p.line_start = p.scanned + 1;
    if (p.lines > limits_.max_header_lines + 1) {
      return ReadError{400, "The request has more than " + std::to_string(limits_.max_header_lines) + " header lines."};
    }
  }
  if (!p.header_end_seen) {
    size_t partial = buffer_.size() - p.line_start;
    if (p.lines == 0 && partial > limits_.max_target_bytes + 32) {
      return ReadError{414, "The request URI is longer than " + kib(limits_.max_target_bytes) + "."};
    }
    if (p.lines > 0 && partial > limits_.max_header_line_bytes) {
      return ReadError{400, "A request header line is longer than " + kib(limits_.max_header_line_bytes) + "."};
    }
  }
  return std::nullopt;
}

// Rules on a complete header, before any of the body is read.
std::optional<ReadError> RequestReader::check_header() {
  const auto& message = parser_->parser.get();
  if (message.target().size() > limits_.max_target_bytes) {
    return ReadError{414, "The request URI is longer than " + kib(limits_.max_target_bytes) + "."};
  }
  if (message.version() != 10 && message.version() != 11) {
    return ReadError{505, "Only HTTP/1.0 and HTTP/1.1 are served."};
  }
  bool has_length = message.count(beast_http::field::content_length) > 0;
  bool has_coding = message.count(beast_http::field::transfer_encoding) > 0;
  if (has_length && has_coding) {
    return ReadError{400, "The request has both Content-Length and Transfer-Encoding; send one."};
  }
  if (has_coding) {
    std::string codings;
    auto [first, last] = message.equal_range(beast_http::field::transfer_encoding);
    for (; first != last; ++first) codings += (codings.empty() ? "" : ",") + std::string(view(first->value()));
    if (trim_lower(codings) != "chunked") {
      return ReadError{501, "Transfer-Encoding '" + codings.substr(0, 64) +
                                "' is not supported: send the body with Content-Length or chunked alone."};
    }
  }
  bool has_body = has_coding || (has_length && parser_->parser.content_length().value_or(0) > 0);
  if (has_body && (message.method() == beast_http::verb::get || message.method() == beast_http::verb::head)) {
    return ReadError{400, "A " + std::string(message.method_string()) + " request has no body; this one sent one."};
  }
  auto expect = message.find(beast_http::field::expect);
  if (has_coding) count_chunked_body();
  if (expect != message.end() && trim_lower(view(expect->value())) == "100-continue" && !parser_->parser.is_done()) {
    wants_continue_ = true;
  }
  return std::nullopt;
}

void RequestReader::count_chunked_body() {
  Parser& p = *parser_;
  p.parser.body_limit(boost::none);
  p.on_chunk_header = [&p, limit = static_cast<std::uint64_t>(limits_.max_body_bytes)](
                          std::uint64_t size, boost::beast::string_view, boost::system::error_code& ec) {
    if (size > limit - std::min(limit, p.chunked_bytes)) {
      ec = beast_http::error::body_limit;
      return;
    }
    p.chunked_bytes += size;
  };
  p.parser.on_chunk_header(p.on_chunk_header);
}

bool RequestReader::take_continue_request() {
  bool wants = wants_continue_;
  wants_continue_ = false;
  return wants;
}

RequestReader::State RequestReader::parse() {
  if (state_ == State::Failed || ready_) return state_;
  auto& parser = parser_->parser;
  boost::system::error_code ec;
  if (!header_done_) {
    if (auto error = check_unparsed_header()) return fail(error->status, std::move(error->detail));
    if (buffer_.empty()) return State::NeedMore;
    size_t used = parser.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
    buffer_.erase(0, used);
    // Beast keeps the start line and the complete fields of a header that has not all arrived:
    // the line scan's positions move with the bytes it took.
    parser_->scanned -= std::min(used, parser_->scanned);
    parser_->line_start -= std::min(used, parser_->line_start);
    if (ec && ec != beast_http::error::need_more) {
      if (ec == beast_http::error::header_limit) {
        return fail(431, "The request header is larger than " + kib(limits_.max_header_bytes) + ".");
      }
      if (ec == beast_http::error::body_limit) {
        return fail(413, too_large(limits_.max_body_bytes));
      }
      return fail(400, "The request could not be read as HTTP (" + ec.message() + ").");
    }
    if (!parser.is_header_done()) return State::NeedMore;
    header_done_ = true;
    if (auto error = check_header()) return fail(error->status, std::move(error->detail));
    parser.eager(true);
  }
  while (!parser.is_done() && !buffer_.empty()) {
    ec = {};
    size_t used = parser.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
    buffer_.erase(0, used);
    if (ec == beast_http::error::need_more) {
      if (used == 0) break;
      continue;
    }
    if (ec == beast_http::error::body_limit) return fail(413, too_large(limits_.max_body_bytes));
    if (ec) return fail(400, "The request body could not be read (" + ec.message() + ").");
  }
  if (!parser.is_done()) return State::NeedMore;
  ready_ = true;
  state_ = State::Ready;
  return state_;
}

ReadRequest RequestReader::take() {
  auto message = parser_->parser.release();
  ReadRequest out;
  out.keep_alive = message.version() == 11 && message.keep_alive();
  Request& req = out.request;
  req.method = std::string(message.method_string());
  req.target = std::string(message.target());
  std::string_view target = req.target;
  size_t question = target.find('?');
  req.path = percent_decode(target.substr(0, question), false);
  if (question != std::string_view::npos) req.params = parse_query(target.substr(question + 1));
  for (const auto& field : message) req.headers.emplace(std::string(field.name_string()), std::string(field.value()));
  req.body = std::move(message.body());
  ready_ = false;
  state_ = State::NeedMore;
  reset_parser();
  return out;
}

}  // namespace mcp::http
