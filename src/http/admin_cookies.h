#pragma once
// The admin page's cookies over HTTP (README "Sign in with Clerk"): reading one from the Cookie
// header, setting and clearing one with the right attributes, and the signed-in session a request
// carries. What the cookies hold and how they are sealed: domain/admin_sign_in.h.
#include <optional>
#include <string>
#include <string_view>

#include "app/app.h"
#include "domain/admin_sign_in.h"
#include "http/request.h"

namespace mcp::http {

// The value of cookie `name` in the request's Cookie header(s); nullopt when absent.
std::optional<std::string> cookie_value(const Request& req, std::string_view name);

// Set-Cookie with HttpOnly, SameSite=Lax, the path and Max-Age; Secure when the public URL is
// https (the browser would drop a Secure cookie on plain-http localhost). max_age_s 0 clears it.
void set_cookie(Response& res, const app::App& app, std::string_view name, const std::string& value,
                std::string_view path, int64_t max_age_s);

// The admin-page session the request's cookie carries, opened and not expired; nullopt otherwise
// (and always when sign-in is off).
std::optional<domain::AdminSession> signed_in_session(const app::App& app, const Request& req, int64_t now_ms);

// Whether the request echoes the session's CSRF token in X-CSRF-Token (compared in constant time).
bool carries_csrf_token(const Request& req, const domain::AdminSession& session);

}  // namespace mcp::http
