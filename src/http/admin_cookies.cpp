#include "http/admin_cookies.h"

#include "util/crypto.h"

namespace mcp::http {

namespace {
std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}
}  // namespace

std::optional<std::string> cookie_value(const Request& req, std::string_view name) {
  for (size_t idx = 0; idx < req.get_header_value_count("Cookie"); ++idx) {
    std::string header = req.get_header_value("Cookie", idx);
    std::string_view rest = header;
    while (!rest.empty()) {
      size_t end = rest.find(';');
      std::string_view pair = trim_spaces(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      size_t equals = pair.find('=');
      if (equals != std::string_view::npos && trim_spaces(pair.substr(0, equals)) == name) {
        return std::string(trim_spaces(pair.substr(equals + 1)));
      }
    }
  }
  return std::nullopt;
}

void set_cookie(Response& res, const app::App& app, std::string_view name, const std::string& value,
                std::string_view path, int64_t max_age_s) {
  const auto& public_url = app.config().public_url;
  bool secure = public_url && public_url->rfind("https://", 0) == 0;
  std::string cookie = std::string(name) + "=" + value + "; Path=" + std::string(path) +
                       "; Max-Age=" + std::to_string(max_age_s) + "; HttpOnly; SameSite=Lax";
  if (secure) cookie += "; Secure";
  // Several cookies in one answer: one Set-Cookie header each (RFC 6265 §3), never folded.
  if (cookie.find_first_of("\r\n") == std::string::npos) res.headers.emplace("Set-Cookie", std::move(cookie));
}

std::optional<domain::AdminSession> signed_in_session(const app::App& app, const Request& req, int64_t now_ms) {
  const domain::CookieSeal* seal = app.cookie_seal();
  if (!seal) return std::nullopt;
  auto value = cookie_value(req, domain::kAdminSessionCookie);
  if (!value) return std::nullopt;
  return seal->open_session(*value, now_ms);
}

bool carries_csrf_token(const Request& req, const domain::AdminSession& session) {
  return util::constant_time_equals(req.get_header_value("X-CSRF-Token"), session.csrf_token);
}

}  // namespace mcp::http
