#include "http/api_support.h"

#include <arpa/inet.h>

#include <algorithm>

#include "app/app.h"
#include "domain/access_changes.h"
#include "domain/authorization.h"
#include "http/admin_cookies.h"
#include "http/problem.h"
#include "storage/errors.h"
#include "util/crypto.h"
#include "util/json_limits.h"
#include "util/log.h"
#include "util/time.h"

namespace mcp::http {

namespace {
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;

const char* json_type_name(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

bool same_address(const std::string& a, const std::string& b) {
  unsigned char bytes_a[16] = {}, bytes_b[16] = {};
  if (inet_pton(AF_INET, a.c_str(), bytes_a) == 1 && inet_pton(AF_INET, b.c_str(), bytes_b) == 1) {
    return std::equal(bytes_a, bytes_a + 4, bytes_b);
  }
  if (inet_pton(AF_INET6, a.c_str(), bytes_a) == 1 && inet_pton(AF_INET6, b.c_str(), bytes_b) == 1) {
    return std::equal(bytes_a, bytes_a + 16, bytes_b);
  }
  return a == b;
}

bool is_ip_literal(const std::string& text) {
  unsigned char bytes[16] = {};
  return inet_pton(AF_INET, text.c_str(), bytes) == 1 || inet_pton(AF_INET6, text.c_str(), bytes) == 1;
}

// A header's text as stored in the audit trail: printable ASCII, at most max_length bytes. Other
// bytes become '?' (a cut UTF-8 sequence or a stray 0xFF is not text, and PostgreSQL refuses it).
std::string printable_ascii(std::string_view text, size_t max_length) {
  std::string out(text.substr(0, max_length));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

bool is_trusted(const std::string& address, const std::vector<std::string>& trusted_proxies) {
  return std::any_of(trusted_proxies.begin(), trusted_proxies.end(),
                     [&](const std::string& proxy) { return same_address(address, proxy); });
}

// Deeper bodies are refused while they are parsed (util::parse_json_limited): nothing deeper is
// built, so a 1 MiB "[[[…" costs neither memory nor a recursion that could overflow a worker's stack.
constexpr size_t kMaxJsonDepth = 32;

// A path parameter that cannot name anything (ids, Clerk ids, slugs and prefixes are 1-128 of
// [A-Za-z0-9_.-]) is answered 404 before it reaches a query: PostgreSQL refuses invalid UTF-8 outright.
bool is_plausible_path_id(const std::string& value) {
  if (value.empty() || value.size() > 128) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

// Whether any string or member name of the document holds a NUL character (\u0000): PostgreSQL's
// text cannot store one (it cut "a\u0000b" to "a"), so both engines refuse it alike.
bool holds_nul(const nlohmann::json& root) {
  std::vector<const nlohmann::json*> pending{&root};
  while (!pending.empty()) {
    const nlohmann::json* value = pending.back();
    pending.pop_back();
    if (value->is_string() && value->get_ref<const std::string&>().find('\0') != std::string::npos) return true;
    if (value->is_object()) {
      for (const auto& [key, child] : value->items()) {
        if (key.find('\0') != std::string::npos) return true;
        pending.push_back(&child);
      }
    } else if (value->is_array()) {
      for (const auto& child : *value) pending.push_back(&child);
    }
  }
  return false;
}

}  // namespace

bool is_plausible_id(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

namespace {

std::string trim(std::string_view text) {
  size_t start = text.find_first_not_of(" \t");
  if (start == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(start, end - start + 1));
}
}  // namespace

[[noreturn]] void throw_field_error(std::string_view field, const std::string& detail) {
  throw ApiError(400, std::string(field) + ": " + detail,
                 {{"errors", nlohmann::json::array({{{"field", field}, {"detail", detail}}})}});
}

JsonBody::JsonBody(const Request& req, std::initializer_list<std::string_view> allowed_fields) {
  std::string content_type = req.get_header_value("Content-Type");
  if (!content_type.empty() && content_type.find("json") == std::string::npos) {
    throw ApiError(415, "The body must be JSON (Content-Type: application/json), not " + content_type.substr(0, 64) + ".");
  }
  if (req.body.empty()) {
    json_ = nlohmann::json::object();
    return;
  }
  util::LimitedJson parsed = util::parse_json_limited(req.body, kMaxJsonDepth);
  if (parsed.error == util::LimitedJson::Error::TooDeep) {
    throw ApiError(400, "The body is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep.");
  }
  if (!parsed.ok()) throw ApiError(400, "The body is not valid JSON.");
  json_ = std::move(parsed.value);
  if (!json_.is_object()) throw ApiError(400, std::string("The body must be a JSON object, not ") + json_type_name(json_) + ".");
  std::vector<std::string> unknown;
  for (const auto& [key, value] : json_.items()) {
    if (std::find(allowed_fields.begin(), allowed_fields.end(), key) == allowed_fields.end()) unknown.push_back(key);
  }
  if (!unknown.empty()) {
    std::string allowed;
    for (auto field : allowed_fields) allowed += (allowed.empty() ? "" : ", ") + std::string(field);
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& field : unknown) errors.push_back({{"field", field.substr(0, 64)}, {"detail", "unknown field"}});
    throw ApiError(400, "Unknown field '" + unknown.front().substr(0, 64) + "'; accepted: " + allowed + ".",
                   {{"errors", errors}});
  }
  for (const auto& [key, value] : json_.items()) {
    if (holds_nul(value)) throw_field_error(key, "holds a NUL character (\\u0000), which no text may contain.");
  }
}

const nlohmann::json* JsonBody::find(std::string_view field) const {
  auto it = json_.find(field);
  return it == json_.end() ? nullptr : &*it;
}

bool JsonBody::has(std::string_view field) const { return find(field) != nullptr; }

bool JsonBody::is_null(std::string_view field) const {
  const auto* value = find(field);
  return value && value->is_null();
}

std::optional<std::string> JsonBody::string(std::string_view field, bool required, size_t max_length,
                                            bool nullable) const {
  const auto* value = find(field);
  if (!value || (nullable && value->is_null())) {
    if (required) throw_field_error(field, "is required");
    return std::nullopt;
  }
  if (!value->is_string()) throw_field_error(field, std::string("must be a string, not ") + json_type_name(*value));
  const std::string& text = value->get_ref<const std::string&>();
  if (text.empty()) throw_field_error(field, "must not be empty");
  if (text.size() > max_length) throw_field_error(field, "must be at most " + std::to_string(max_length) + " characters");
  return text;
}

std::optional<bool> JsonBody::boolean(std::string_view field) const {
  const auto* value = find(field);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) throw_field_error(field, std::string("must be true or false, not ") + json_type_name(*value));
  return value->get<bool>();
}

std::optional<int64_t> JsonBody::integer(std::string_view field, int64_t min, int64_t max) const {
  const auto* value = find(field);
  if (!value) return std::nullopt;
  std::string range = " between " + std::to_string(min) + " and " + std::to_string(max);
  if (value->is_number_integer()) {
    if (value->is_number_unsigned() && value->get<uint64_t>() > static_cast<uint64_t>(max)) {
      throw_field_error(field, "must be an integer" + range);
    }
    int64_t number = value->get<int64_t>();
    if (number < min || number > max) throw_field_error(field, "must be an integer" + range);
    return number;
  }
  throw_field_error(field, "must be an integer" + range + ", not " + json_type_name(*value));
}

std::optional<nlohmann::json> JsonBody::object(std::string_view field, bool required) const {
  const auto* value = find(field);
  if (!value) {
    if (required) throw_field_error(field, "is required");
    return std::nullopt;
  }
  if (!value->is_object()) throw_field_error(field, std::string("must be a JSON object, not ") + json_type_name(*value));
  if (value->dump().size() > 64 * 1024) throw_field_error(field, "must be at most 64 KiB of JSON");
  return *value;
}

std::optional<std::string> JsonBody::one_of(std::string_view field, std::initializer_list<std::string_view> values,
                                            bool required) const {
  std::string accepted;
  for (auto v : values) accepted += (accepted.empty() ? "" : ", ") + std::string(v);
  const auto* value = find(field);
  if (!value) {
    if (required) throw_field_error(field, "is required (one of " + accepted + ")");
    return std::nullopt;
  }
  if (!value->is_string() || std::find(values.begin(), values.end(), value->get_ref<const std::string&>()) == values.end()) {
    throw_field_error(field, "must be one of " + accepted);
  }
  return value->get<std::string>();
}

PageRequest read_page(const Request& req) {
  PageRequest page;
  if (req.has_param("limit")) {
    const std::string& text = req.get_param_value("limit");
    int limit = 0;
    bool digits = !text.empty() && text.size() <= 3 && std::all_of(text.begin(), text.end(), ::isdigit);
    if (digits) limit = std::stoi(text);
    if (!digits || limit < 1 || limit > kMaxLimit) {
      throw ApiError(400, "limit must be an integer from 1 to " + std::to_string(kMaxLimit) + ".");
    }
    page.limit = limit;
  }
  if (req.has_param("cursor") && !req.get_param_value("cursor").empty()) {
    const std::string& cursor = req.get_param_value("cursor");
    // The base64url of the longest plausible id (128 bytes): 172 characters at most.
    constexpr size_t kMaxCursorLength = (128 + 2) / 3 * 4;
    auto id = cursor.size() <= kMaxCursorLength ? util::base64url_decode(cursor) : std::nullopt;
    // Every cursor names a row's id; other bytes (0xFF, NUL) would only reach PostgreSQL as an error.
    if (!id || !is_plausible_id(*id)) {
      throw ApiError(400, "cursor is not one this server gave out: pass next_cursor from the previous page unchanged.");
    }
    page.after_id = *id;
  }
  return page;
}

std::string encode_cursor(std::string_view last_id) { return util::base64url_encode(last_id); }

nlohmann::json page_response(nlohmann::json rows, const PageRequest& page) {
  nlohmann::json next = nullptr;
  if (rows.size() > static_cast<size_t>(page.limit)) {
    rows.erase(rows.begin() + page.limit, rows.end());
    next = encode_cursor(rows.back().at("id").get<std::string>());
  }
  return {{"data", std::move(rows)}, {"next_cursor", next}};
}

nlohmann::json page_schema(const nlohmann::json& item_schema) {
  return {{"type", "object"},
          {"required", {"data", "next_cursor"}},
          {"properties", {{"data", {{"type", "array"}, {"items", item_schema}}},
                          {"next_cursor", {{"type", {"string", "null"}}}}}}};
}

std::vector<QueryParam> page_query() {
  return {{"limit", "integer", "Page size, 1..200 (default 50)"}, {"cursor", "string", "next_cursor of the previous page"}};
}

std::optional<std::string> query_param(const Request& req, const char* name, size_t max_length) {
  if (!req.has_param(name)) return std::nullopt;
  const std::string& value = req.get_param_value(name);
  if (value.empty()) return std::nullopt;
  if (value.size() > max_length) {
    throw ApiError(400, std::string(name) + " must be at most " + std::to_string(max_length) + " characters.");
  }
  return value;
}

std::string presented_credential(const Request& req) {
  std::string authorization = req.get_header_value("Authorization");
  if (!authorization.empty()) {
    if (authorization.size() > 7 && (authorization.rfind("Bearer ", 0) == 0 || authorization.rfind("bearer ", 0) == 0)) {
      return trim(std::string_view(authorization).substr(7));
    }
    return {};
  }
  return trim(req.get_header_value("X-API-Key"));
}

std::string client_ip(const Request& req, const std::vector<std::string>& trusted_proxies) {
  std::string address = req.remote_addr;
  if (trusted_proxies.empty() || !is_trusted(address, trusted_proxies)) return address;
  std::string forwarded;
  for (size_t idx = 0; idx < req.get_header_value_count("X-Forwarded-For"); ++idx) {
    if (!forwarded.empty()) forwarded += ',';
    forwarded += req.get_header_value("X-Forwarded-For", idx);
  }
  // Right to left: each trusted proxy appended the address it received from.
  size_t end = forwarded.size();
  while (end > 0) {
    size_t comma = forwarded.rfind(',', end - 1);
    size_t start = comma == std::string::npos ? 0 : comma + 1;
    std::string hop = trim(std::string_view(forwarded).substr(start, end - start));
    // Anything but an address (a proxy passing on garbage) ends the walk at the last good address.
    if (!is_ip_literal(hop)) break;
    address = hop;
    if (!is_trusted(hop, trusted_proxies)) break;
    if (comma == std::string::npos) break;
    end = comma;
  }
  return address;
}

domain::AuditActor ApiRequest::audit_actor() const {
  domain::AuditActor actor;
  actor.type = principal.actor_type();
  actor.id = principal.actor_id;
  actor.ip = client_ip(ctx.req, app.config().trusted_proxies);
  std::string user_agent = ctx.req.get_header_value("User-Agent");
  if (!user_agent.empty()) actor.user_agent = printable_ascii(user_agent, 512);
  actor.request_id = ctx.res.get_header_value("X-Request-Id");
  if (principal.oauth_client_id) actor.client_id = printable_ascii(*principal.oauth_client_id, 256);
  return actor;
}

void ApiRequest::send(int status, const nlohmann::json& body) const {
  ctx.res.status = status;
  ctx.res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void ApiRequest::send_no_content() const { ctx.res.status = 204; }

Handler api_handler(app::App& app, ApiHandler handler) {
  return [&app, handler = std::move(handler)](RequestContext& ctx) {
    int64_t now_ms = util::now_ms();
    try {
      domain::Principal principal;
      try {
        // A credential in a header wins; without one, the admin page's signed-in session cookie.
        bool header_credential = ctx.req.has_header("Authorization") || ctx.req.has_header("X-API-Key");
        std::optional<domain::AdminSession> signed_in;
        if (!header_credential) signed_in = signed_in_session(app, ctx.req, now_ms);
        if (signed_in) {
          principal = app.authenticator().authenticate_signed_in_user(signed_in->clerk_user_id,
                                                                      signed_in->organization_id);
          // A cookie rides along with any site's request: a change must echo the session's token,
          // which only a page of this origin can read (GET /auth/session).
          if (ctx.req.method != "GET" && ctx.req.method != "HEAD" && !carries_csrf_token(ctx.req, *signed_in)) {
            send_problem(ctx.res, 403,
                         "The X-CSRF-Token header is missing or wrong: a change made with the admin page's session "
                         "must carry the csrf_token of GET /auth/session.");
            return;
          }
        } else {
          principal = app.authenticator().authenticate(presented_credential(ctx.req), now_ms);
        }
      } catch (const app::Unauthenticated& e) {
        ctx.res.set_header("WWW-Authenticate", "Bearer");
        send_problem(ctx.res, 401, e.what());
        return;
      }
      for (const auto& [name, value] : ctx.params) {
        if (!is_plausible_path_id(value)) throw ApiError(404, "There is no such resource (" + name + ").");
      }
      ApiRequest request{ctx, app, std::move(principal), now_ms};
      handler(request);
      if (ctx.req.method != "GET" && ctx.req.method != "HEAD") domain::announce_access_change();
    } catch (const ApiError& e) {
      send_problem(ctx.res, e.status(), e.what(), e.extra());
    } catch (const domain::AccessDenied& e) {
      send_problem(ctx.res, e.status(), e.what());
    } catch (const storage::UniqueViolation&) {
      send_problem(ctx.res, 409, "That conflicts with an existing record (a unique value is already taken).");
    } catch (const storage::ForeignKeyViolation&) {
      send_problem(ctx.res, 409, "That refers to a record that does not exist (any more).");
    } catch (const storage::CheckViolation&) {
      send_problem(ctx.res, 400, "A value is outside what the database accepts.");
    } catch (const storage::Conflict&) {
      send_problem(ctx.res, 503, "A concurrent change got in the way; retry the request.");
    } catch (const storage::Unavailable& e) {
      util::log_error("database unavailable", {{"path", ctx.req.path}, {"error", e.what()},
                                               {"request_id", ctx.res.get_header_value("X-Request-Id")}});
      send_problem(ctx.res, 503, "The database is unavailable right now; retry later.");
    }
  };
}

}  // namespace mcp::http
