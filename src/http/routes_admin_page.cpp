// GET /                the admin page (web/index.html, compiled into the binary)
// GET /assets/{file}   its script and stylesheet (web/app.js, web/app.css)
// The bytes come from cmake/Embed.cmake: nothing is read from disk at run time. Each answer carries
// a strict Content-Security-Policy (no inline script, no third-party origin), a strong ETag (a
// hash of the bytes) and answers If-None-Match with 304.
#include <map>
#include <memory>
#include <string>

#include "embedded/files.h"
#include "http/problem.h"
#include "http/router.h"
#include "http/routes.h"
#include "util/crypto.h"

namespace mcp::http {

namespace {

constexpr std::string_view kWebDirectory = "web/";
constexpr std::string_view kIndexFile = "index.html";

// The page loads only its own script and stylesheet and talks only to this server. Names shown on
// it come from Clerk webhooks (attacker-controlled): even a rendering bug cannot run a script.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct Asset {
  std::string_view bytes;
  std::string content_type;
  std::string etag;  // "\"<sha256 hex>\"": changes exactly when the bytes do
};

std::string content_type_of(std::string_view name) {
  auto ends_with = [&](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  if (ends_with(".json")) return "application/json";
  return "application/octet-stream";
}

// web/<name> → Asset, built once from the embedded files.
std::map<std::string, Asset, std::less<>> load_assets() {
  std::map<std::string, Asset, std::less<>> assets;
  for (const auto& file : embedded::files()) {
    if (!file.path.starts_with(kWebDirectory)) continue;
    std::string name(file.path.substr(kWebDirectory.size()));
    if (name.empty() || name.find('/') != std::string::npos) continue;
    assets.emplace(name, Asset{file.bytes, content_type_of(name), "\"" + util::sha256_hex(file.bytes) + "\""});
  }
  return assets;
}

// Whether If-None-Match names this ETag (a list, possibly weak-prefixed, or "*").
bool etag_matches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  size_t start = 0;
  while (start < if_none_match.size()) {
    size_t comma = if_none_match.find(',', start);
    if (comma == std::string::npos) comma = if_none_match.size();
    std::string_view candidate(if_none_match.data() + start, comma - start);
    while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
    while (!candidate.empty() && candidate.back() == ' ') candidate.remove_suffix(1);
    if (candidate.starts_with("W/")) candidate.remove_prefix(2);
    if (candidate == etag) return true;
    start = comma + 1;
  }
  return false;
}

void set_security_headers(Response& res) {
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
}

void send_asset(RequestContext& ctx, const Asset& asset) {
  set_security_headers(ctx.res);
  ctx.res.set_header("ETag", asset.etag);
  // Revalidate every time: a new binary serves new bytes at the same URL; 304 keeps it cheap.
  ctx.res.set_header("Cache-Control", "no-cache");
  if (etag_matches(ctx.req.get_header_value("If-None-Match"), asset.etag)) {
    ctx.res.status = 304;
    return;
  }
  ctx.res.set_content(asset.bytes.data(), asset.bytes.size(), asset.content_type);
}

RouteDoc page_doc(std::vector<std::string> content_types, std::string description, std::vector<int> errors = {}) {
  RouteDoc doc;
  doc.tag = "admin page";
  doc.response_content_type = content_types.front();
  doc.other_response_content_types.assign(content_types.begin() + 1, content_types.end());
  doc.bodiless_statuses = {304};  // If-None-Match names the ETag
  doc.response_schema = {{"type", "string"}, {"description", std::move(description)}};
  doc.error_statuses = std::move(errors);
  return doc;
}

}  // namespace

void add_admin_page_routes(Router& router) {
  auto assets = std::make_shared<const std::map<std::string, Asset, std::less<>>>(load_assets());
  router.add(
      "GET", "/", "The admin page: an operator console over /api/v1 (sign in with an API key)",
      [assets](RequestContext& ctx) {
        auto index = assets->find(kIndexFile);
        if (index == assets->end()) {
          send_problem(ctx.res, 404, "This build has no admin page (web/index.html was not embedded).");
          return;
        }
        send_asset(ctx, index->second);
      },
      page_doc({"text/html"}, "The admin page (HTML); 304 when If-None-Match names its ETag"));

  router.add(
      "GET", "/assets/{file}", "A script or stylesheet of the admin page",
      [assets](RequestContext& ctx) {
        const std::string& name = ctx.params.find("file")->second;
        auto asset = assets->find(name);
        if (asset == assets->end() || name == kIndexFile) {
          send_problem(ctx.res, 404, "There is no admin page asset named '" + name + "'.");
          return;
        }
        send_asset(ctx, asset->second);
      },
      page_doc({"text/javascript", "text/css"}, "The file's bytes (JavaScript or CSS); 304 when If-None-Match names its ETag"));
}

}  // namespace mcp::http
