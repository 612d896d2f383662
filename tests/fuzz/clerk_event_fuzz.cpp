// Clerk webhook payloads (src/domain/clerk_event.*): a verified body, parsed as the webhook route
// does. Property: the parser answers an event or InvalidPayload, nothing else; an accepted upsert
// has the Clerk id it is keyed by.
#include <cstdint>
#include <string_view>

#include "domain/clerk_event.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  using mcp::domain::ClerkEventKind;
  try {
    mcp::domain::ClerkEvent event = mcp::domain::parse_clerk_event(body);
    bool keyed = true;
    switch (event.kind) {
      case ClerkEventKind::UserUpserted: keyed = !event.user.clerk_id.empty(); break;
      case ClerkEventKind::OrganizationUpserted: keyed = !event.organization.clerk_id.empty(); break;
      case ClerkEventKind::MembershipUpserted:
      case ClerkEventKind::MembershipDeleted: keyed = !event.membership.clerk_id.empty(); break;
      case ClerkEventKind::UserDeleted:
      case ClerkEventKind::OrganizationDeleted: keyed = !event.deleted_id.empty(); break;
      case ClerkEventKind::Other: break;
    }
    if (!keyed) mcp::fuzz::property_failed("an accepted event has no Clerk id");
  } catch (const mcp::domain::InvalidPayload&) {
    (void)mcp::domain::peek_event_type(body);
  }
  return 0;
}
