// ?limit=&cursor= pagination (src/http/api_support.* read_page): any query text gives a page or a
// 400 ApiError. Properties: a cursor this server gave out (encode_cursor of a plausible id) reads
// back as that id; whatever is accepted names a plausible id and a limit within 1..200.
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "fuzz_request.h"
#include "http/api_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mcp::fuzz::FieldReader input(data, size);
  std::string limit(input.field());
  std::string cursor(input.field());

  mcp::fuzz::RequestSpec spec;
  spec.path = "/api/v1/organizations";
  if (!limit.empty()) spec.query.emplace_back("limit", limit);
  spec.query.emplace_back("cursor", cursor);
  auto req = mcp::fuzz::make_request(spec);
  try {
    mcp::http::PageRequest page = mcp::http::read_page(req);
    if (page.limit < 1 || page.limit > 200) mcp::fuzz::property_failed("a limit outside 1..200 was accepted");
    if (page.after_id && !mcp::http::is_plausible_id(*page.after_id)) {
      mcp::fuzz::property_failed("a cursor naming no plausible id was accepted");
    }
  } catch (const mcp::http::ApiError& e) {
    if (e.status() != 400) mcp::fuzz::property_failed("a bad page request was not a 400");
  }

  if (mcp::http::is_plausible_id(cursor)) {
    mcp::fuzz::RequestSpec round_trip;
    round_trip.query.emplace_back("cursor", mcp::http::encode_cursor(cursor));
    auto page = mcp::http::read_page(mcp::fuzz::make_request(round_trip));
    if (page.after_id != cursor) mcp::fuzz::property_failed("a cursor this server gave out did not read back");
  }
  return 0;
}
