#pragma once
// A user's session and its active organization, changed from mcp-admin (the admin API; Clerk's own
// session events come through clerk_apply): created or updated in one upsert, revoked once. Who
// may do which is decided here, whoever asks; each change is audited session.created / .updated /
// .revoked with the session's view, the same JSON the admin API answers with.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "domain/audit_trail.h"
#include "domain/principal.h"
#include "storage/session_store.h"

namespace mcp::domain {

// Why a session change was refused; the message is safe to show the caller.
class SessionRefused : public std::runtime_error {
 public:
  enum class Reason {
    NoSessionId,         // a user's token without a Clerk session id (sid): no session to name
    UserRequired,        // an API key named no user; the message is about that field alone
    NotAllowed,          // the caller may see the session or user, but not change it that way
    NoSuchUser,          // absent, deleted, or not visible to the caller
    NoSuchOrganization,  // absent, deleted, or the user is not a live member of it
    NoSuchSession,       // absent, or not the caller's to see
    OtherUsersSession,   // the Clerk session id is bound to another user
    Revoked,             // a revoked session stays revoked
  };
  SessionRefused(Reason reason, const std::string& message) : std::runtime_error(message), reason_(reason) {}
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

// What a caller asks of a session; each optional is "leave as it is" when absent.
struct SessionChange {
  std::optional<std::string> user_id;  // as sent (internal or Clerk id)
  // False when user_id cannot name anyone (the caller's reading of the request says so): it is
  // then refused as an unknown user without a lookup.
  bool user_id_plausible = true;
  bool organization_given = false;
  std::optional<std::string> organization_id;  // as sent; nullopt with organization_given: none
  bool organization_id_plausible = true;       // as user_id_plausible, for organization_id
  std::optional<std::string> clerk_session_id;
  std::optional<nlohmann::json> metadata;
  bool expiry_given = false;
  std::optional<int64_t> expires_at;  // nullopt with expiry_given: no expiry
};

// The session as an upsert left it, and which of the two it did.
struct UpsertedSession {
  storage::SessionRecord record;
  bool created = false;  // false: an existing session was updated
};

// Creates or updates a session: a Clerk user their own (by their token's sid); an organization's
// ADMIN key for members of its organization, in it; a platform key for anyone. A Clerk session id
// is bound to a user (a row created for it) only by that session's own token or the platform; an
// ADMIN key may update a row already bound. A concurrent creation of the same Clerk session is
// applied as an update. Throws SessionRefused, or AccessDenied when the key's role falls short.
UpsertedSession upsert_session(AuditTrail& trail, const Principal& principal, SessionChange change, int64_t now_ms);

// Revokes the session (our id) as of `now_ms`: its own user, an ADMIN (key or user) of its
// organization, or the platform may; for anyone else it does not exist (SessionRefused). False
// when it was revoked already: nothing to do, nothing recorded.
bool revoke_session(AuditTrail& trail, const Principal& principal, const std::string& id, int64_t now_ms);

// The session as the admin API shows it and the audit trail records it.
nlohmann::json session_view(const storage::SessionRecord& record);

}  // namespace mcp::domain
