#include "storage/postgres/postgres_tools.h"

#include <string_view>

namespace mcp::storage {

std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string url_without_password(const DatabaseUrl& url) {
  // postgres_conninfo is SCHEME://[USER[:PASSWORD]@]HOSTS[/DB][?PARAMS] without ?schema=.
  std::string_view text = url.postgres_conninfo;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::string(text);
  std::string_view scheme = text.substr(0, scheme_end + 3);
  std::string_view rest = text.substr(scheme_end + 3);
  size_t query_start = rest.find('?');
  std::string_view authority_and_path = rest.substr(0, query_start);
  std::string_view query = query_start == std::string_view::npos ? std::string_view() : rest.substr(query_start + 1);

  size_t slash = authority_and_path.find('/');
  std::string_view authority = authority_and_path.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : authority_and_path.substr(slash);
  std::string out(scheme);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    out += userinfo.substr(0, userinfo.find(':'));
    out += authority.substr(at);
  } else {
    out += authority;
  }
  out += path;
  std::string kept;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string_view pair = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    start = amp == std::string_view::npos ? query.size() : amp + 1;
    if (pair.empty() || pair.substr(0, pair.find('=')) == "password") continue;
    if (!kept.empty()) kept += '&';
    kept += pair;
  }
  if (!kept.empty()) out += "?" + kept;
  return out;
}

std::string pg_dump_command(const DatabaseUrl& url, const std::string& file) {
  return "pg_dump --format=custom --schema=" + shell_quote(url.postgres_schema) + " --file=" + shell_quote(file) + " " +
         shell_quote(url_without_password(url));
}

std::string pg_restore_command(const DatabaseUrl& url, const std::string& file) {
  return "pg_restore --clean --if-exists --no-owner --single-transaction --dbname=" +
         shell_quote(url_without_password(url)) + " " + shell_quote(file);
}

std::string psql_restore_command(const DatabaseUrl& url, const std::string& file) {
  return "psql --single-transaction -v ON_ERROR_STOP=1 --dbname=" + shell_quote(url_without_password(url)) +
         " --file=" + shell_quote(file);
}

}  // namespace mcp::storage
