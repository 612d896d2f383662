#pragma once
// What a route handler sees of an HTTP exchange: the request as read (method, decoded path, query
// parameters, headers, body, peer) and the response it fills. The front (src/http/front/…) reads
// and writes the wire; nothing else in src/http knows how bytes arrive.
#include <map>
#include <string>
#include <string_view>

namespace mcp::http {

// Header names compare without regard to ASCII case (RFC 9110 §5.1).
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view left, std::string_view right) const;
};

using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using QueryParams = std::multimap<std::string, std::string, std::less<>>;

struct Request {
  std::string method;          // as sent: GET, POST, …
  std::string target;          // the request-target as sent: "/api/v1/x%20y?limit=5"
  std::string path;            // the target's path, percent-decoded ('+' stays '+')
  QueryParams params;          // the query string, percent-decoded ('+' is a space)
  Headers headers;
  std::string body;
  std::string remote_addr;     // the peer's IP address as text
  int remote_port = 0;

  bool has_header(std::string_view name) const;
  // The id-th value of the header (0: the first), or "" when there are fewer.
  std::string get_header_value(std::string_view name, size_t id = 0) const;
  size_t get_header_value_count(std::string_view name) const;
  bool has_param(std::string_view name) const;
  std::string get_param_value(std::string_view name, size_t id = 0) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  bool has_header(std::string_view name) const;
  std::string get_header_value(std::string_view name, size_t id = 0) const;
  // Replaces every earlier value of the header. Values with CR or LF are dropped (header injection).
  void set_header(std::string_view name, std::string_view value);
  void set_content(std::string content, std::string_view content_type);
  void set_content(const char* data, size_t size, std::string_view content_type);
};

// %XX sequences decoded; with plus_as_space, '+' is a space (query strings). Malformed escapes stay as sent.
std::string percent_decode(std::string_view text, bool plus_as_space);

// Splits "a=1&b=x%20y" into decoded pairs.
QueryParams parse_query(std::string_view query);

// The reason phrase of a status ("Not Found"), "Unknown" for one this server never sends.
const char* status_reason(int status);

}  // namespace mcp::http
