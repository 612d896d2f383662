#pragma once
// A dotenv parser: KEY=value lines, `export ` prefixes, '#' comments, blank lines, single quotes
// (literal), double quotes (escapes \n \r \t \" \\, may span lines), unquoted values trimmed with
// a trailing ` # comment` removed. No variable expansion.
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mcp::app {

// A dotenv file that cannot be read as such; the message names the file and line.
class DotenvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses dotenv text; `origin` names it in error messages ("/srv/.env.local").
std::map<std::string, std::string> parse_dotenv(std::string_view text, const std::string& origin);

// Reads and parses a dotenv file; an absent file is an empty map.
std::map<std::string, std::string> read_dotenv_file(const std::filesystem::path& path);

}  // namespace mcp::app
