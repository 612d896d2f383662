#include "storage/database_url.h"

#include <cctype>

namespace mcp::storage {

namespace {

constexpr const char* kAcceptedForms =
    "use file:PATH, sqlite:PATH, :memory: or postgresql://USER:PASSWORD@HOST:PORT/DB?schema=public";

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t idx = 0; idx < prefix.size(); ++idx) {
    if (std::tolower(static_cast<unsigned char>(text[idx])) != prefix[idx]) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text, std::string_view what) {
  std::string out;
  for (size_t idx = 0; idx < text.size(); ++idx) {
    if (text[idx] == '%') {
      if (idx + 2 >= text.size() || hex_value(text[idx + 1]) < 0 || hex_value(text[idx + 2]) < 0) {
        throw InvalidDatabaseUrl("DATABASE_URL: malformed percent-escape in " + std::string(what));
      }
      out.push_back(static_cast<char>(hex_value(text[idx + 1]) * 16 + hex_value(text[idx + 2])));
      idx += 2;
    } else {
      out.push_back(text[idx]);
    }
  }
  return out;
}

DatabaseUrl parse_sqlite(std::string_view path_part, std::string_view original) {
  // Query parameters (Prisma writes e.g. file:./dev.db?connection_limit=1) are not SQLite's business.
  std::string_view path = path_part.substr(0, path_part.find('?'));
  DatabaseUrl url;
  url.redacted = std::string(original);
  if (path == ":memory:") {
    url.kind = DatabaseUrl::Kind::SqliteMemory;
    return url;
  }
  if (path.empty()) {
    throw InvalidDatabaseUrl("DATABASE_URL '" + std::string(original) + "' names no file: " + kAcceptedForms);
  }
  url.kind = DatabaseUrl::Kind::SqliteFile;
  url.sqlite_path = std::string(path);
  return url;
}

DatabaseUrl parse_postgres(std::string_view text) {
  size_t scheme_end = text.find("://");
  std::string_view rest = text.substr(scheme_end + 3);
  size_t query_start = rest.find('?');
  std::string_view authority_and_path = rest.substr(0, query_start);
  std::string_view query = query_start == std::string_view::npos ? std::string_view() : rest.substr(query_start + 1);

  size_t slash = authority_and_path.find('/');
  std::string_view authority = authority_and_path.substr(0, slash);
  size_t at = authority.rfind('@');
  std::string_view hosts = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (hosts.empty() && query.find("host=") == std::string_view::npos) {
    throw InvalidDatabaseUrl("DATABASE_URL '" + std::string(text.substr(0, scheme_end + 3)) +
                             "…' names no host: " + kAcceptedForms);
  }
  // Every host:port must have a numeric port when one is given.
  size_t host_start = 0;
  while (host_start <= hosts.size() && !hosts.empty()) {
    size_t comma = hosts.find(',', host_start);
    std::string_view host = hosts.substr(host_start, comma == std::string_view::npos ? std::string_view::npos
                                                                                      : comma - host_start);
    size_t colon = host.rfind(':');
    size_t bracket = host.rfind(']');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
      std::string_view port = host.substr(colon + 1);
      bool numeric = !port.empty() && port.size() <= 5;
      for (char c : port) numeric = numeric && std::isdigit(static_cast<unsigned char>(c));
      if (!numeric || std::stoi(std::string(port)) > 65535 || std::stoi(std::string(port)) == 0) {
        throw InvalidDatabaseUrl("DATABASE_URL has an invalid port '" + std::string(port) + "': " + kAcceptedForms);
      }
    }
    if (comma == std::string_view::npos) break;
    host_start = comma + 1;
  }

  DatabaseUrl url;
  url.kind = DatabaseUrl::Kind::Postgres;
  url.postgres_schema = "public";
  std::string kept_query;
  std::string kept_query_without_password;
  std::string shown_query;  // the query for `redacted`: libpq's ?password= parameter hidden
  bool password_param = false;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string_view pair = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    start = amp == std::string_view::npos ? query.size() : amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      throw InvalidDatabaseUrl("DATABASE_URL parameter '" + std::string(pair) + "' has no value (expected NAME=VALUE)");
    }
    std::string key = percent_decode(pair.substr(0, eq), "a parameter name");
    std::string value = percent_decode(pair.substr(eq + 1), "parameter '" + key + "'");
    if (key == "password") password_param = true;
    if (!shown_query.empty()) shown_query += '&';
    shown_query += key == "password" ? "password=***" : std::string(pair);
    if (key == "schema") {
      if (value.empty()) throw InvalidDatabaseUrl("DATABASE_URL: ?schema= is empty (expected e.g. ?schema=public)");
      url.postgres_schema = value;
      continue;
    }
    url.postgres_params[key] = value;
    if (!kept_query.empty()) kept_query += '&';
    kept_query += pair;
    if (key == "password") continue;
    if (!kept_query_without_password.empty()) kept_query_without_password += '&';
    kept_query_without_password += pair;
  }
  std::string base(text.substr(0, scheme_end + 3));
  base += authority_and_path;
  url.postgres_conninfo = kept_query.empty() ? base : base + "?" + kept_query;

  std::string base_without_password(text.substr(0, scheme_end + 3));
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    base_without_password += userinfo.substr(0, userinfo.find(':'));
    base_without_password += authority_and_path.substr(at);
  } else {
    base_without_password += authority_and_path;
  }
  url.postgres_conninfo_without_password = kept_query_without_password.empty()
                                               ? base_without_password
                                               : base_without_password + "?" + kept_query_without_password;

  // Redact the password for anything that is shown.
  std::string redacted(text);
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) {
      size_t pw_start = scheme_end + 3 + colon + 1;
      redacted = std::string(text.substr(0, pw_start)) + "***" + std::string(text.substr(scheme_end + 3 + at));
    }
  }
  if (password_param) redacted = redacted.substr(0, redacted.find('?') + 1) + shown_query;
  url.redacted = redacted;
  return url;
}

}  // namespace

DatabaseUrl parse_database_url(std::string_view text) {
  if (text.empty()) throw InvalidDatabaseUrl(std::string("DATABASE_URL is empty: ") + kAcceptedForms);
  for (char c : text) {
    if (std::iscntrl(static_cast<unsigned char>(c))) {
      throw InvalidDatabaseUrl(std::string("DATABASE_URL contains a control character: ") + kAcceptedForms);
    }
  }
  if (text == ":memory:") return parse_sqlite(":memory:", text);
  if (starts_with_ci(text, "postgresql://") || starts_with_ci(text, "postgres://")) return parse_postgres(text);
  if (starts_with_ci(text, "sqlite://")) return parse_sqlite(text.substr(9), text);
  if (starts_with_ci(text, "sqlite:")) return parse_sqlite(text.substr(7), text);
  if (starts_with_ci(text, "file://")) return parse_sqlite(text.substr(7), text);
  if (starts_with_ci(text, "file:")) return parse_sqlite(text.substr(5), text);
  size_t colon = text.find(':');
  if (colon != std::string_view::npos && colon > 0 && text.find('/') > colon) {
    throw InvalidDatabaseUrl("DATABASE_URL scheme '" + std::string(text.substr(0, colon)) + "' is not supported: " +
                             kAcceptedForms);
  }
  throw InvalidDatabaseUrl("DATABASE_URL '" + std::string(text) + "' has no scheme (did you mean file:" +
                           std::string(text) + "?): " + kAcceptedForms);
}

}  // namespace mcp::storage
