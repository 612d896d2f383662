#pragma once
// What every /api/v1 handler shares: authentication, strict JSON bodies, cursor pagination, the
// audit context of a request, and one mapping of errors to problem responses.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/principal.h"
#include "http/router.h"
#include "domain/audit_trail.h"

namespace mcp::app {
class App;
}

namespace mcp::http {

// An error a handler raises to answer with a problem: status, a detail safe for the client, and
// extra members (e.g. "errors": [{"field":…, "detail":…}]).
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& detail, nlohmann::json extra = nlohmann::json::object())
      : std::runtime_error(detail), status_(status), extra_(std::move(extra)) {}
  int status() const { return status_; }
  const nlohmann::json& extra() const { return extra_; }

 private:
  int status_;
  nlohmann::json extra_;
};

// A request body read strictly: a JSON object of known fields with the right types. Malformed JSON,
// a non-object, an unknown field or a wrong type: 400 naming the field. Not JSON at all: 415.
class JsonBody {
 public:
  JsonBody(const Request& req, std::initializer_list<std::string_view> allowed_fields);

  bool has(std::string_view field) const;
  // Present and null.
  bool is_null(std::string_view field) const;
  // A string of 1..max_length characters (after trimming nothing: exact). nullopt when absent
  // (or null and `nullable`); 400 when required and absent.
  std::optional<std::string> string(std::string_view field, bool required = false, size_t max_length = 256,
                                    bool nullable = false) const;
  std::optional<bool> boolean(std::string_view field) const;
  // An integer in [min, max]; 400 for fractions, huge numbers, strings.
  std::optional<int64_t> integer(std::string_view field, int64_t min, int64_t max) const;
  // A JSON object (e.g. config, metadata); 400 for anything else.
  std::optional<nlohmann::json> object(std::string_view field, bool required = false) const;
  // One of the given values.
  std::optional<std::string> one_of(std::string_view field, std::initializer_list<std::string_view> values,
                                    bool required = false) const;

  const nlohmann::json& json() const { return json_; }

 private:
  const nlohmann::json* find(std::string_view field) const;
  nlohmann::json json_;
};

// A 400 about one field: {"errors":[{"field":…,"detail":…}]}.
[[noreturn]] void throw_field_error(std::string_view field, const std::string& detail);

// ?limit=&cursor= : limit 1..200 (default 50); the cursor is opaque to clients (the last id seen).
// Whether an id a client sends (in a path, a filter or a decoded cursor) can name anything at all:
// 1..128 of [A-Za-z0-9_-] (our UUIDs, Clerk's ids, slugs). Anything else is 404 or 400 without
// asking the database: PostgreSQL refuses invalid UTF-8 in a parameter with an error, which must
// not become a 500.
bool is_plausible_id(std::string_view text);

struct PageRequest {
  int limit = 50;
  std::optional<std::string> after_id;
};
PageRequest read_page(const Request& req);
// The cursor for the page after the one that ended with `last_id`.
std::string encode_cursor(std::string_view last_id);
// {"data":[…],"next_cursor":…}: `rows` (a JSON array of objects with "id") holds up to limit+1
// items, as fetched with LIMIT limit+1: the extra one only says that there is a next page.
nlohmann::json page_response(nlohmann::json rows, const PageRequest& page);

// The OpenAPI description of a page of `item_schema`, and of the ?limit=&cursor= it reads.
nlohmann::json page_schema(const nlohmann::json& item_schema);
std::vector<QueryParam> page_query();

// A query-string parameter, or nullopt when absent/empty; 400 when longer than max_length.
std::optional<std::string> query_param(const Request& req, const char* name, size_t max_length = 256);

// One authenticated admin request.
struct ApiRequest {
  RequestContext& ctx;
  app::App& app;
  domain::Principal principal;
  int64_t now_ms;

  const std::string& param(const char* name) const { return ctx.params.find(name)->second; }
  // Who makes this request's changes, as the audit trail records them: actor, IP
  // (X-Forwarded-For from trusted proxies only), user agent, request id, OAuth client.
  domain::AuditActor audit_actor() const;
  // Sends a JSON body with the status.
  void send(int status, const nlohmann::json& body) const;
  void send_no_content() const;
};

using ApiHandler = std::function<void(ApiRequest&)>;

// Wraps an /api/v1 handler: authenticates the Bearer credential (401 with WWW-Authenticate), runs
// it, and maps ApiError, domain::AccessDenied, storage errors (unique → 409, unavailable → 503) to
// problem responses. Unexpected exceptions reach the server's handler (500, logged).
Handler api_handler(app::App& app, ApiHandler handler);

// The credential of a request: Authorization: Bearer …, else X-API-Key. Empty when none.
std::string presented_credential(const Request& req);

// The client's address: the peer, or when the peer is a trusted proxy, the nearest untrusted
// address of X-Forwarded-For.
std::string client_ip(const Request& req, const std::vector<std::string>& trusted_proxies);

}  // namespace mcp::http
