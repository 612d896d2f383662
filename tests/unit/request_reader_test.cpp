// The HTTP/1.1 reader (src/http/request_reader.*) fed as a slow client feeds it: a byte at a time.
// Beast keeps the complete lines of a header that has not all arrived, so the reader's own line
// scan must follow the bytes it takes; a header dripped byte by byte once read as a 400.
#include "http/request_reader.h"

#include <doctest/doctest.h>

#include <string>

using mcp::http::RequestReader;

namespace {
RequestReader::State feed_bytewise(RequestReader& reader, const std::string& bytes) {
  RequestReader::State state = RequestReader::State::NeedMore;
  for (char c : bytes) {
    reader.append(std::string_view(&c, 1));
    state = reader.parse();
    if (state != RequestReader::State::NeedMore) break;
  }
  return state;
}
}  // namespace

TEST_CASE("request reader: a header sent a byte at a time is read whole") {
  RequestReader reader;
  std::string request = "GET /api/health?x=1 HTTP/1.1\r\nHost: example\r\nX-Slow: aaaa\r\nAccept: */*\r\n\r\n";
  REQUIRE(feed_bytewise(reader, request) == RequestReader::State::Ready);
  auto read = reader.take();
  CHECK(read.request.method == "GET");
  CHECK(read.request.path == "/api/health");
  CHECK(read.request.get_header_value("X-Slow") == "aaaa");
  CHECK(read.request.get_header_value("Accept") == "*/*");
  CHECK(read.keep_alive);
}

TEST_CASE("request reader: a partial header stays NeedMore however long it drips") {
  RequestReader reader;
  std::string partial = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  CHECK(feed_bytewise(reader, partial) == RequestReader::State::NeedMore);
}

TEST_CASE("request reader: line limits hold for a dripped header") {
  mcp::http::ReaderLimits limits;
  limits.max_header_line_bytes = 64;
  RequestReader reader(limits);
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n";
  REQUIRE(feed_bytewise(reader, request) == RequestReader::State::Failed);
  CHECK(reader.error().status == 400);

  RequestReader many(mcp::http::ReaderLimits{.max_header_lines = 5});
  std::string lines = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 7; ++i) lines += "X-" + std::to_string(i) + ": v\r\n";
  REQUIRE(feed_bytewise(many, lines + "\r\n") == RequestReader::State::Failed);
  CHECK(many.error().status == 400);
}

TEST_CASE("request reader: two pipelined requests, dripped, come out one after the other") {
  RequestReader reader;
  std::string first = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(feed_bytewise(reader, first) == RequestReader::State::Ready);
  reader.append(second.substr(0, 5));  // arrives with the first one's last bytes
  CHECK(reader.take().request.path == "/a");
  REQUIRE(feed_bytewise(reader, second.substr(5)) == RequestReader::State::Ready);
  CHECK(reader.take().request.path == "/b");
}

// Beast asserted (n >= 5) on a final chunk fed a byte at a time, in builds with assertions (the
// sanitizer and fuzz builds); the http_request fuzz target found it.
TEST_CASE("request reader: chunked bodies with trailers, dripped, are read whole") {
  for (std::string chunks : {"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
                             "0\r\nX-Trailer: t\r\n\r\n"}) {
    RequestReader reader;
    std::string request = "POST /api/v1/organizations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
    REQUIRE(feed_bytewise(reader, request) == RequestReader::State::Ready);
    CHECK(reader.take().request.body == (chunks[0] == '5' ? "hello world" : ""));
  }
}

// Beast subtracted a chunk's declared size from its body limit each time it re-read a chunk line
// whose quoted extension had not all arrived: dripped, a malformed extension in a 1 KiB request
// was refused 413 "larger than the limit" instead of 400. The http_request fuzz target found it.
TEST_CASE("request reader: a dripped malformed chunk extension is a 400, as it is sent at once") {
  std::string request = "POST /api/v1/organizations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5;ext=\"de\x02";
  // Beast reads a quoted extension past the line's end, to its closing quote.
  for (int i = 0; i < 80; ++i) request += "GET / HTTP/1.1\r\n";
  request += "\"x\r\n";
  RequestReader at_once(mcp::http::ReaderLimits{.max_body_bytes = 4096});
  at_once.append(request);
  REQUIRE(at_once.parse() == RequestReader::State::Failed);
  CHECK(at_once.error().status == 400);
  RequestReader dripped(mcp::http::ReaderLimits{.max_body_bytes = 4096});
  REQUIRE(feed_bytewise(dripped, request) == RequestReader::State::Failed);
  CHECK(dripped.error().status == 400);
}

TEST_CASE("request reader: a chunked body over the limit is a 413, by declared size or by sum") {
  std::string head = "POST /api/v1/organizations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  RequestReader declared(mcp::http::ReaderLimits{.max_body_bytes = 16});
  declared.append(head + "ffffffff\r\n");
  REQUIRE(declared.parse() == RequestReader::State::Failed);
  CHECK(declared.error().status == 413);

  RequestReader summed(mcp::http::ReaderLimits{.max_body_bytes = 16});
  std::string chunks;
  for (int i = 0; i < 4; ++i) chunks += "5\r\nhello\r\n";
  REQUIRE(feed_bytewise(summed, head + chunks + "0\r\n\r\n") == RequestReader::State::Failed);
  CHECK(summed.error().status == 413);

  RequestReader exact(mcp::http::ReaderLimits{.max_body_bytes = 15});
  REQUIRE(feed_bytewise(exact, head + "5\r\nhello\r\n5\r\nhello\r\n5\r\nhello\r\n0\r\n\r\n") == RequestReader::State::Ready);
  CHECK(exact.take().request.body.size() == 15);
}
