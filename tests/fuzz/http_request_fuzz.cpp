// The HTTP/1.1 request reader as a whole (src/http/request_reader.*): raw connection bytes in,
// requests or one refusal out. The first byte chooses how the bytes are cut into reads (1 to 64
// bytes each, or all at once), so the same bytes arrive as a slow client and as a fast one send
// them.
// Properties: never throws; a refusal is one of the statuses the front answers (400, 413, 414,
// 431, 501, 505); a request read has a method and a body within the limit; the requests read
// (method, target, body) are the same however the bytes were cut, and so is the status when both
// runs refuse (the partial-header bug: a header dripped byte by byte once read as a 400).
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "http/request_reader.h"

namespace {
using mcp::http::RequestReader;

struct Outcome {
  std::vector<std::string> requests;  // method, target and body of each request read
  RequestReader::State final = RequestReader::State::NeedMore;
  int status = 0;
};

Outcome read_all(std::string_view bytes, size_t chunk) {
  mcp::http::ReaderLimits limits;
  limits.max_body_bytes = 4096;  // small enough for inputs to cross it
  RequestReader reader(limits);
  Outcome out;
  for (size_t at = 0; at < bytes.size() && out.final != RequestReader::State::Failed;) {
    size_t n = std::min(chunk, bytes.size() - at);
    reader.append(bytes.substr(at, n));
    at += n;
    for (;;) {
      RequestReader::State state = reader.parse();
      if (state == RequestReader::State::Ready) {
        auto read = reader.take();
        if (read.request.method.empty()) mcp::fuzz::property_failed("a request without a method was read");
        if (read.request.body.size() > limits.max_body_bytes) mcp::fuzz::property_failed("a body over the limit was read");
        out.requests.push_back(read.request.method + " " + read.request.target + "\n" + read.request.body);
        continue;
      }
      out.final = state;
      if (state == RequestReader::State::Failed) {
        out.status = reader.error().status;
        if (out.status != 400 && out.status != 413 && out.status != 414 && out.status != 431 && out.status != 501 &&
            out.status != 505) {
          mcp::fuzz::property_failed("a refusal with a status the front does not answer");
        }
      }
      break;
    }
  }
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t chunk = data[0] % 65;  // 0: all at once
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = read_all(bytes, bytes.size() + 1);
  Outcome cut = read_all(bytes, chunk == 0 ? bytes.size() + 1 : chunk);
  // Beast checks a header's fields as it parses them, but parses an unfinished header only when its
  // end has arrived or on the first read: an error may show on one run while the other still waits
  // for more (NeedMore). The requests read must be the same, and two refusals the same status.
  if (whole.requests != cut.requests) mcp::fuzz::property_failed("the same bytes gave other requests when cut into reads");
  bool both_failed = whole.final == RequestReader::State::Failed && cut.final == RequestReader::State::Failed;
  if (both_failed && whole.status != cut.status) mcp::fuzz::property_failed("the same bytes refused with another status");
  return 0;
}
