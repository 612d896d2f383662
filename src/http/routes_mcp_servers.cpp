// /api/v1 routes: the MCP server registry, a platform-wide resource.
//   GET    /api/v1/mcp-servers        list (any organization member; platform admin)
//   POST   /api/v1/mcp-servers        register (platform admin)
//   GET    /api/v1/mcp-servers/{id}   one, by id or slug
//   PATCH  /api/v1/mcp-servers/{id}   change some fields (platform admin)
//   DELETE /api/v1/mcp-servers/{id}   delete, with every organization's service of it (platform admin)
#include <algorithm>

#include "app/app.h"
#include "domain/audit_trail.h"
#include "domain/authorization.h"
#include "http/api_support.h"
#include "http/registry_json.h"
#include "http/router.h"
#include "http/routes.h"
#include "storage/audit_store.h"
#include "storage/errors.h"
#include "storage/mcp_server_store.h"
#include "storage/service_store.h"

namespace mcp::http {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxSlugLength = 64;
constexpr size_t kMaxNameLength = 256;
constexpr size_t kMaxDescriptionLength = 4096;
constexpr size_t kMaxUrlLength = 2048;
// Compare-and-set attempts before a write gives up with 503 (only concurrent writers need more than one).
constexpr int kWriteAttempts = 8;
const char* const kNotFound = "There is no such MCP server.";

const std::initializer_list<std::string_view> kFields = {"slug",      "name",         "description", "url",
                                                         "transport", "capabilities", "is_active"};
const std::initializer_list<std::string_view> kTransports = {"stdio", "sse", "streamable-http"};

std::string checked_slug(const std::string& slug) {
  bool charset = std::all_of(slug.begin(), slug.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!charset) throw_field_error("slug", "must be lowercase letters, digits and '-' only");
  if (storage::is_mcp_server_id(slug)) throw_field_error("slug", "must not have the shape of an id (a UUID)");
  return slug;
}

// http(s)://host… with no whitespace or control characters; for stdio servers, where their source lives.
std::string checked_url(const std::string& url) {
  bool scheme = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  size_t host_start = url.find("://") + 3;
  bool host = scheme && host_start < url.size() && url[host_start] != '/' && url[host_start] != '?' &&
              url[host_start] != '#';
  bool clean = std::none_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
  if (!scheme || !host || !clean) throw_field_error("url", "must be an http:// or https:// URL without spaces");
  return url;
}

// Applies the fields present in `body` to `server` (absent fields stay; null clears description/url).
void apply_fields(const JsonBody& body, storage::McpServerRecord& server) {
  if (auto slug = body.string("slug", false, kMaxSlugLength)) server.slug = checked_slug(*slug);
  if (auto name = clean_text(body.string("name", false, kMaxNameLength), "name")) server.name = *name;
  if (body.has("description")) {
    auto description =
        clean_text(body.string("description", false, kMaxDescriptionLength, true), "description", true);
    server.description = description;
  }
  if (body.has("url")) {
    auto url = body.string("url", false, kMaxUrlLength, true);
    server.url = url ? std::optional<std::string>(checked_url(*url)) : std::nullopt;
  }
  if (auto transport = body.one_of("transport", kTransports)) server.transport = *transport;
  if (auto capabilities = body.object("capabilities")) server.capabilities = *capabilities;
  if (auto is_active = body.boolean("is_active")) server.is_active = *is_active;
}

[[noreturn]] void throw_slug_taken(const std::string& slug) {
  throw ApiError(409, "The slug '" + slug + "' is already taken by another MCP server.",
                 {{"errors", json::array({{{"field", "slug"}, {"detail", "is already taken"}}})}});
}

storage::McpServerRecord find_or_404(storage::Transaction& session, const std::string& id_or_slug) {
  auto server = storage::find_mcp_server_by_id_or_slug(session, id_or_slug);
  if (!server) throw ApiError(404, kNotFound);
  return *server;
}

json request_schema(bool create) {
  json properties = {
      {"slug", {{"type", "string"}, {"pattern", "^[a-z0-9-]{1,64}$"}, {"description", "Unique; not UUID-shaped"}}},
      {"name", {{"type", "string"}, {"minLength", 1}, {"maxLength", kMaxNameLength}}},
      {"description", {{"type", json::array({"string", "null"})}, {"maxLength", kMaxDescriptionLength}}},
      {"url",
       {{"type", json::array({"string", "null"})},
        {"maxLength", kMaxUrlLength},
        {"description", "http(s) URL: the endpoint of a remote server, the source of a stdio one"}}},
      {"transport", {{"type", "string"}, {"enum", {"stdio", "sse", "streamable-http"}}, {"default", "stdio"}}},
      {"capabilities", {{"type", "object"}, {"default", json::object()}}},
      {"is_active", {{"type", "boolean"}, {"default", true}}}};
  json schema = {{"type", "object"}, {"additionalProperties", false}, {"properties", std::move(properties)}};
  if (create) schema["required"] = json::array({"slug", "name"});
  return schema;
}

}  // namespace

void add_mcp_server_routes(Router& router, app::App& app) {
  router.add(
      "GET", "/api/v1/mcp-servers", "List the MCP server registry (by creation order)",
      api_handler(app,
                  [](ApiRequest& r) {
                    domain::authorize(r.principal, domain::Permission::Read, std::nullopt);
                    PageRequest page = read_page(r.ctx.req);
                    auto servers = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
                      return storage::list_mcp_servers_page(session, page.after_id, page.limit + 1);
                    });
                    json rows = json::array();
                    for (const auto& server : servers) rows.push_back(mcp_server_json(server));
                    r.send(200, page_response(std::move(rows), page));
                  }),
      authenticated_doc("mcp-servers", 200, nullptr, page_schema(mcp_server_schema()), page_query()));

  router.add(
      "POST", "/api/v1/mcp-servers", "Register an MCP server (platform admin)",
      api_handler(app,
                  [](ApiRequest& r) {
                    domain::authorize(r.principal, domain::Permission::Platform, std::nullopt);
                    JsonBody body(r.ctx.req, kFields);
                    body.string("slug", true, kMaxSlugLength);
                    body.string("name", true, kMaxNameLength);
                    storage::McpServerRecord server;
                    apply_fields(body, server);
                    try {
                      r.app.database().write([&](storage::Transaction& session) {
                        if (storage::find_mcp_server_by_slug(session, server.slug)) throw_slug_taken(server.slug);
                        storage::insert_mcp_server(session, server);
                        domain::AuditTrail(session, r.audit_actor())
                            .record(std::nullopt, domain::audit_action::kMcpServerCreated,
                                    domain::audit_target::kMcpServer, server.id, nullptr, mcp_server_json(server));
                      });
                    } catch (const storage::UniqueViolation&) {
                      throw_slug_taken(server.slug);  // a concurrent registration took it first
                    }
                    r.send(201, mcp_server_json(server));
                  }),
      authenticated_doc("mcp-servers", 201, request_schema(true), mcp_server_schema(), {}, {409}));

  router.add(
      "GET", "/api/v1/mcp-servers/{id}", "One MCP server, by id or slug",
      api_handler(app,
                  [](ApiRequest& r) {
                    domain::authorize(r.principal, domain::Permission::Read, std::nullopt);
                    auto server = storage::read_value(r.app.database(), [&](storage::Transaction& session) {
                      return find_or_404(session, r.param("id"));
                    });
                    r.send(200, mcp_server_json(server));
                  }),
      authenticated_doc("mcp-servers", 200, nullptr, mcp_server_schema()));

  router.add(
      "PATCH", "/api/v1/mcp-servers/{id}", "Change some fields of an MCP server (platform admin)",
      api_handler(app,
                  [](ApiRequest& r) {
                    domain::authorize(r.principal, domain::Permission::Platform, std::nullopt);
                    JsonBody body(r.ctx.req, kFields);
                    storage::McpServerRecord probe;  // validates every field before touching the database
                    apply_fields(body, probe);
                    storage::McpServerRecord result;
                    try {
                      r.app.database().write([&](storage::Transaction& session) {
                        for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
                          storage::McpServerRecord current = find_or_404(session, r.param("id"));
                          storage::McpServerRecord changed = current;
                          apply_fields(body, changed);
                          json before = mcp_server_json(current);
                          if (mcp_server_json(changed) == before) {  // nothing to change: no write, no audit
                            result = current;
                            return;
                          }
                          if (changed.slug != current.slug) {
                            auto holder = storage::find_mcp_server_by_slug(session, changed.slug);
                            if (holder && holder->id != current.id) throw_slug_taken(changed.slug);
                          }
                          // updated_at doubles as the row's version: strictly increasing.
                          changed.updated_at = std::max(r.now_ms, current.updated_at + 1);
                          if (!storage::update_mcp_server(session, changed, current.updated_at)) continue;
                          domain::AuditTrail(session, r.audit_actor())
                              .record(std::nullopt, domain::audit_action::kMcpServerUpdated,
                                      domain::audit_target::kMcpServer, current.id, std::move(before),
                                      mcp_server_json(changed));
                          result = changed;
                          return;
                        }
                        throw storage::Conflict("mcp_servers: the row kept changing under the update");
                      });
                    } catch (const storage::UniqueViolation&) {
                      throw_slug_taken(probe.slug);
                    }
                    r.send(200, mcp_server_json(result));
                  }),
      authenticated_doc("mcp-servers", 200, request_schema(false), mcp_server_schema(), {}, {409}));

  router.add(
      "DELETE", "/api/v1/mcp-servers/{id}",
      "Delete an MCP server and every organization's service of it (platform admin); 204",
      api_handler(app,
                  [](ApiRequest& r) {
                    domain::authorize(r.principal, domain::Permission::Platform, std::nullopt);
                    r.app.database().write([&](storage::Transaction& session) {
                      storage::McpServerRecord server = find_or_404(session, r.param("id"));
                      domain::AuditTrail trail(session, r.audit_actor());
                      // Each organization's trail says its service went, and why.
                      for (const auto& service : storage::delete_services_of_server(session, server.id)) {
                        trail.record(service.organization_id, domain::audit_action::kServiceDisabled,
                                     domain::audit_target::kService, service.id, service_json(service, server),
                                     nullptr);
                      }
                      if (!storage::delete_mcp_server(session, server.id)) throw ApiError(404, kNotFound);
                      trail.record(std::nullopt, domain::audit_action::kMcpServerDeleted,
                                   domain::audit_target::kMcpServer, server.id, mcp_server_json(server), nullptr);
                    });
                    r.send_no_content();
                  }),
      authenticated_doc("mcp-servers", 204, nullptr, nullptr));
}

}  // namespace mcp::http
