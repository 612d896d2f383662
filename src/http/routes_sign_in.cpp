// The admin page's "Sign in with Clerk" (README "Sign in with Clerk"): OpenID Connect
// authorization code + PKCE against CLERK_ISSUER, then a sealed session cookie that /api/v1
// accepts in place of a bearer credential (changes echo its CSRF token). The rules of the cookies
// are in domain/admin_sign_in.h; this file parses, redirects and answers.
#include <algorithm>

#include "app/app.h"
#include "domain/admin_sign_in.h"
#include "domain/jwt_verifier.h"
#include "http/admin_cookies.h"
#include "http/api_support.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/identity_store.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/nullable_json.h"
#include "util/percent_encoding.h"
#include "util/time.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

constexpr const char* kNotConfigured =
    "Sign-in with Clerk is off: set MCP_ADMIN_OAUTH_CLIENT_ID and MCP_ADMIN_OAUTH_CLIENT_SECRET (a Clerk OAuth "
    "application whose redirect URI is MCP_ADMIN_PUBLIC_URL/auth/callback), CLERK_ISSUER and CLERK_JWT_KEY or "
    "CLERK_JWKS_FILE.";

std::string redirect_uri(const app::App& app) { return *app.config().public_url + "/auth/callback"; }

json organization_entry(const storage::OrganizationRecord& organization, const std::string& role) {
  return {{"id", organization.id},
          {"clerk_id", organization.clerk_id},
          {"name", organization.name},
          {"slug", util::nullable_text(organization.slug)},
          {"role", role}};
}

// The live organizations the user is a member of, by name, with the role in each.
std::vector<std::pair<storage::OrganizationRecord, std::string>> memberships_of(storage::Transaction& session,
                                                                              const std::string& user_id) {
  std::vector<std::pair<storage::OrganizationRecord, std::string>> out;
  for (const auto& organization : storage::list_organizations_of_user(session, user_id, std::nullopt, 200)) {
    if (organization.deleted_at) continue;
    if (auto membership = storage::find_live_membership(session, organization.id, user_id)) {
      out.emplace_back(organization, membership->role);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first.name < b.first.name; });
  return out;
}

// GET /auth/session's body for the signed-in session (or a signed-out one).
json session_view(app::App& app, const std::optional<domain::AdminSession>& signed_in) {
  json body = {{"enabled", app.sign_in_enabled()}, {"signed_in", false}, {"user", nullptr},
               {"organization", nullptr}, {"organizations", json::array()}, {"csrf_token", nullptr}};
  if (!signed_in) return body;
  storage::read_value(app.database(), [&](storage::Transaction& session) {
    auto user = storage::find_user_by_clerk_id(session, signed_in->clerk_user_id);
    if (!user || user->deleted_at) return 0;
    body["signed_in"] = true;
    body["user"] = {{"id", user->id}, {"clerk_id", user->clerk_id}, {"email", util::nullable_text(user->email)},
                    {"first_name", util::nullable_text(user->first_name)}, {"last_name", util::nullable_text(user->last_name)}};
    body["csrf_token"] = signed_in->csrf_token;
    for (const auto& [organization, role] : memberships_of(session, user->id)) {
      body["organizations"].push_back(organization_entry(organization, role));
      if (signed_in->organization_id == organization.id) body["organization"] = organization_entry(organization, role);
    }
    return 0;
  });
  return body;
}

void send_json(Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json");
}

void start_sign_in(RequestContext& ctx, app::App& app) {
  if (!app.sign_in_enabled()) return send_problem(ctx.res, 503, kNotConfigured);
  int64_t now_ms = util::now_ms();
  domain::SignInAttempt attempt = domain::new_sign_in_attempt(now_ms);
  const auto& config = app.config();
  std::string location = *config.clerk_issuer + "/oauth/authorize?response_type=code&client_id=" +
                         util::percent_encode(*config.oauth_client_id) + "&redirect_uri=" + util::percent_encode(redirect_uri(app)) +
                         "&scope=" + util::percent_encode("openid profile email") + "&state=" + attempt.state +
                         "&nonce=" + attempt.nonce + "&code_challenge=" + domain::pkce_challenge(attempt.code_verifier) +
                         "&code_challenge_method=S256";
  set_cookie(ctx.res, app, domain::kSignInCookie, app.cookie_seal()->seal(attempt), "/auth",
             domain::kSignInAttemptTtlMs / 1000);
  ctx.res.status = 302;
  ctx.res.set_header("Location", location);
  ctx.res.set_header("Cache-Control", "no-store");
}

void finish_sign_in(RequestContext& ctx, app::App& app) {
  if (!app.sign_in_enabled()) return send_problem(ctx.res, 503, kNotConfigured);
  int64_t now_ms = util::now_ms();
  // The attempt is used once, whatever the outcome.
  set_cookie(ctx.res, app, domain::kSignInCookie, "", "/auth", 0);
  auto cookie = cookie_value(ctx.req, domain::kSignInCookie);
  auto attempt = cookie ? app.cookie_seal()->open_attempt(*cookie, now_ms) : std::nullopt;
  if (!attempt) {
    return send_problem(ctx.res, 400, "This sign-in was not started here or took longer than 10 minutes: sign in again.");
  }
  std::string state = ctx.req.get_param_value("state");
  if (!util::constant_time_equals(state, attempt->state)) {
    return send_problem(ctx.res, 400, "The sign-in's state does not match the one this browser started: sign in again.");
  }
  if (ctx.req.has_param("error")) {
    std::string error = ctx.req.get_param_value("error").substr(0, 64);
    return send_problem(ctx.res, 400, "Clerk did not sign you in (" + error + ").");
  }
  std::string code = ctx.req.get_param_value("code");
  if (code.empty() || code.size() > 2048) return send_problem(ctx.res, 400, "The callback carries no authorization code.");
  try {
    std::string id_token = app.token_endpoint()->exchange_code(code, attempt->code_verifier, redirect_uri(app));
    const domain::JwtVerifier* verifier = app.authenticator().jwt_verifier();
    domain::SessionClaims claims;
    try {
      claims = verifier->verify(id_token, now_ms);
    } catch (const domain::TokenRejected& e) {
      throw domain::SignInFailed(std::string("Clerk's ID token was refused: ") + e.what());
    }
    if (!domain::audience_names(claims, *app.config().oauth_client_id)) {
      throw domain::SignInFailed("Clerk's ID token was issued to another client (aud).");
    }
    if (!claims.nonce || !util::constant_time_equals(*claims.nonce, attempt->nonce)) {
      throw domain::SignInFailed("Clerk's ID token does not carry this sign-in's nonce.");
    }
    std::optional<std::string> organization_id;
    bool known = storage::read_value(app.database(), [&](storage::Transaction& session) {
      auto user = storage::find_user_by_clerk_id(session, claims.subject);
      if (!user || user->deleted_at) return false;
      auto organizations = memberships_of(session, user->id);
      if (!organizations.empty()) organization_id = organizations.front().first.id;
      return true;
    });
    if (!known) {
      util::log_info("sign-in refused: user not synced", {{"clerk_user_id", claims.subject}});
      return send_problem(ctx.res, 403,
                          "You are signed in to Clerk, but mcp-admin does not know you yet (the webhook or `mcp-admin "
                          "clerk sync` brings users in), or your user was deleted.");
    }
    domain::AdminSession session = domain::new_admin_session(claims.subject, organization_id, now_ms);
    set_cookie(ctx.res, app, domain::kAdminSessionCookie, app.cookie_seal()->seal(session), "/",
               domain::kAdminSessionTtlMs / 1000);
    util::log_info("signed in to the admin page", {{"clerk_user_id", claims.subject}});
    ctx.res.status = 303;
    ctx.res.set_header("Location", "/");
    ctx.res.set_header("Cache-Control", "no-store");
  } catch (const domain::SignInFailed& e) {
    send_problem(ctx.res, 400, e.what());
  }
}

// The signed-in session of a change request, with its CSRF token checked; answers and returns
// nullopt when there is none or the token is wrong.
std::optional<domain::AdminSession> session_for_change(RequestContext& ctx, app::App& app) {
  auto signed_in = signed_in_session(app, ctx.req, util::now_ms());
  if (!signed_in) {
    send_problem(ctx.res, 401, "Not signed in to the admin page.");
    return std::nullopt;
  }
  if (!carries_csrf_token(ctx.req, *signed_in)) {
    send_problem(ctx.res, 403, "The X-CSRF-Token header is missing or wrong: send the csrf_token of GET /auth/session.");
    return std::nullopt;
  }
  return signed_in;
}

void switch_organization(RequestContext& ctx, app::App& app) {
  auto signed_in = session_for_change(ctx, app);
  if (!signed_in) return;
  auto body = json::parse(ctx.req.body, nullptr, false);
  if (!body.is_object() || !body["organization_id"].is_string() || body["organization_id"].get<std::string>().size() > 128) {
    return send_problem(ctx.res, 400, "The body must be {\"organization_id\": \"<id or Clerk id>\"}.");
  }
  std::string wanted = body["organization_id"];
  std::optional<std::string> chosen = storage::read_value(app.database(), [&](storage::Transaction& session) {
    std::optional<std::string> found;
    auto user = storage::find_user_by_clerk_id(session, signed_in->clerk_user_id);
    if (!user || user->deleted_at) return found;
    for (const auto& [organization, role] : memberships_of(session, user->id)) {
      if (organization.id == wanted || organization.clerk_id == wanted) found = organization.id;
    }
    return found;
  });
  if (!chosen) return send_problem(ctx.res, 403, "You are not a member of that organization.");
  signed_in->organization_id = chosen;
  set_cookie(ctx.res, app, domain::kAdminSessionCookie, app.cookie_seal()->seal(*signed_in), "/",
             std::max<int64_t>(1, (signed_in->expires_at_ms - util::now_ms()) / 1000));
  send_json(ctx.res, 200, session_view(app, signed_in));
}

void sign_out(RequestContext& ctx, app::App& app) {
  if (!session_for_change(ctx, app)) return;
  set_cookie(ctx.res, app, domain::kAdminSessionCookie, "", "/", 0);
  ctx.res.status = 204;
}

json session_schema() {
  json nullable_object = {{"type", json::array({"object", "null"})}};
  return {{"type", "object"},
          {"required", json::array({"enabled", "signed_in", "user", "organization", "organizations", "csrf_token"})},
          {"properties",
           {{"enabled", {{"type", "boolean"}, {"description", "Whether sign-in with Clerk is configured"}}},
            {"signed_in", {{"type", "boolean"}}},
            {"user", nullable_object},
            {"organization", nullable_object},
            {"organizations", {{"type", "array"}, {"items", {{"type", "object"}}}}},
            {"csrf_token",
             {{"type", json::array({"string", "null"})},
              {"description", "Send it as X-CSRF-Token with every change made with the session cookie"}}}}}};
}

}  // namespace

void add_sign_in_routes(Router& router, app::App& app) {
  const std::string tag = "sign-in";
  router.add("GET", "/auth/session", "The admin page's sign-in state: who, in which organization, the CSRF token",
             [&app](RequestContext& ctx) {
               send_json(ctx.res, 200, session_view(app, signed_in_session(app, ctx.req, util::now_ms())));
             },
             RouteDoc{.tag = tag, .response_schema = session_schema()});
  router.add("GET", "/auth/sign-in", "Sign in with Clerk: redirects to Clerk's authorization endpoint (PKCE)",
             [&app](RequestContext& ctx) { start_sign_in(ctx, app); },
             RouteDoc{.tag = tag, .success_status = 302,
                      .response_headers = {{"Location", "Clerk's authorization endpoint", true}},
                      .error_statuses = {503}});
  router.add("GET", "/auth/callback", "Where Clerk sends the browser back: sets the session cookie, then to /",
             [&app](RequestContext& ctx) { finish_sign_in(ctx, app); },
             RouteDoc{.tag = tag,
                      .query = {{"code", "string", "The authorization code"},
                                {"state", "string", "The state the sign-in started with"},
                                {"error", "string", "Set when Clerk did not sign the user in"}},
                      .success_status = 303,
                      .response_headers = {{"Location", "/", true}},
                      .error_statuses = {403, 503}});
  router.add("POST", "/auth/organization", "Switch the signed-in session's organization (X-CSRF-Token)",
             [&app](RequestContext& ctx) { switch_organization(ctx, app); },
             RouteDoc{.tag = tag,
                      .request_schema = {{"type", "object"},
                                         {"required", json::array({"organization_id"})},
                                         {"properties", {{"organization_id", {{"type", "string"}}}}}},
                      .response_schema = session_schema(),
                      .error_statuses = {401, 403}});
  router.add("POST", "/auth/sign-out", "Sign out of the admin page (X-CSRF-Token): clears the session cookie",
             [&app](RequestContext& ctx) { sign_out(ctx, app); },
             RouteDoc{.tag = tag, .success_status = 204, .error_statuses = {401, 403, 413, 501}});
}

}  // namespace mcp::http
