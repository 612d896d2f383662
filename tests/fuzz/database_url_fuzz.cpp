// DATABASE_URL (src/storage/database_url.*): any text gives a DatabaseUrl or InvalidDatabaseUrl.
// Properties: the redacted form and the password-free conninfo never hold the password a
// postgresql:// URL carried (user:PASSWORD@), whatever its encoding.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.h"
#include "storage/database_url.h"

namespace {

// The raw password of a postgres URL, the way a reader of the URL sees it: between the first ':'
// after "//" and the last '@' of the authority. Empty when there is none.
std::string raw_password(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view userinfo = authority.substr(0, at);
  size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) return {};
  return std::string(userinfo.substr(colon + 1));
}

// The text with each "***" mask (where a password was) replaced by bytes no password search can
// match across: a user name ending in "x0" and the mask ":***" together spell "x0:*", which is no
// leak of a password "x0:*" (found by the long campaign, 2026-12-03).
std::string without_masks(std::string text) {
  for (size_t at = text.find("***"); at != std::string::npos; at = text.find("***", at + 3)) {
    text.replace(at, 3, "\x01\x01\x01");
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    mcp::storage::DatabaseUrl url = mcp::storage::parse_database_url(text);
    if (url.kind == mcp::storage::DatabaseUrl::Kind::Postgres) {
      std::string password = raw_password(text);
      // Short ones are skipped ("pw" may well be part of a host name), and so are passwords that
      // also appear elsewhere in the URL (then the other place shows it, rightly).
      bool only_in_userinfo = text.find(password) == text.rfind(password);
      if (password.size() >= 8 && only_in_userinfo && password.find("***") == std::string::npos &&
          password.find('\x01') == std::string::npos &&
          (without_masks(url.redacted).find(password) != std::string::npos ||
           url.postgres_conninfo_without_password.find(password) != std::string::npos)) {
        mcp::fuzz::property_failed("a DATABASE_URL's password reached its redacted form");
      }
    }
  } catch (const mcp::storage::InvalidDatabaseUrl&) {
  }
  return 0;
}
