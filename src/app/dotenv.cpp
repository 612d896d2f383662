#include "app/dotenv.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace mcp::app {

namespace {

bool is_key_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

class Cursor {
 public:
  Cursor(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  char next() {
    char c = text_[pos_++];
    if (c == '\n') ++line_;
    return c;
  }
  void skip_blanks() {
    while (!done() && is_blank(peek())) next();
  }
  bool starts_with(std::string_view word) const { return text_.substr(pos_, word.size()) == word; }
  void advance(size_t count) {
    for (size_t idx = 0; idx < count; ++idx) next();
  }
  int line() const { return line_; }
  [[noreturn]] void fail(const std::string& what) const { fail_at(line_, what); }
  [[noreturn]] void fail_at(int line, const std::string& what) const {
    throw DotenvError(origin_ + ":" + std::to_string(line) + ": " + what);
  }
  // Skips the rest of the line, which may hold only blanks and a comment.
  void end_of_line() {
    skip_blanks();
    if (!done() && peek() == '#') {
      while (!done() && peek() != '\n') next();
    }
    if (!done() && peek() == '\r') next();
    if (!done() && peek() != '\n') fail("unexpected text after the value (quote the whole value?)");
    if (!done()) next();
  }

 private:
  std::string_view text_;
  const std::string& origin_;
  size_t pos_ = 0;
  int line_ = 1;
};

std::string read_quoted(Cursor& cursor, char quote) {
  std::string value;
  const int opening_line = cursor.line();  // an unterminated quote is reported where it opened, not at EOF
  cursor.next();  // opening quote
  for (;;) {
    if (cursor.done()) {
      cursor.fail_at(opening_line, std::string("unterminated ") + (quote == '"' ? "double" : "single") + " quote");
    }
    char c = cursor.next();
    if (c == quote) return value;
    if (quote == '"' && c == '\\' && !cursor.done()) {
      char escaped = cursor.next();
      switch (escaped) {
        case 'n': value += '\n'; break;
        case 'r': value += '\r'; break;
        case 't': value += '\t'; break;
        case '"': value += '"'; break;
        case '\\': value += '\\'; break;
        default: value += '\\'; value += escaped; break;
      }
      continue;
    }
    value += c;
  }
}

std::string read_unquoted(Cursor& cursor) {
  std::string value;
  while (!cursor.done() && cursor.peek() != '\n') {
    char c = cursor.peek();
    // " #" starts a comment; a '#' inside a value (a URL fragment, a password) does not.
    if (c == '#' && (value.empty() || is_blank(value.back()))) break;
    value += cursor.next();
  }
  while (!value.empty() && (is_blank(value.back()) || value.back() == '\r')) value.pop_back();
  return value;
}

}  // namespace

std::map<std::string, std::string> parse_dotenv(std::string_view text, const std::string& origin) {
  std::map<std::string, std::string> values;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 BOM from Windows editors
  Cursor cursor(text, origin);
  while (!cursor.done()) {
    cursor.skip_blanks();
    if (cursor.done()) break;
    char c = cursor.peek();
    if (c == '\n' || c == '\r' || c == '#') {
      cursor.end_of_line();
      continue;
    }
    if (cursor.starts_with("export ") || cursor.starts_with("export\t")) {
      cursor.advance(7);
      cursor.skip_blanks();
    }
    if (cursor.done() || !is_key_start(cursor.peek())) cursor.fail("expected KEY=value");
    std::string key;
    while (!cursor.done() && is_key_char(cursor.peek())) key += cursor.next();
    cursor.skip_blanks();
    if (cursor.done() || cursor.peek() != '=') cursor.fail("expected '=' after " + key);
    cursor.next();
    cursor.skip_blanks();
    std::string value;
    if (!cursor.done() && (cursor.peek() == '"' || cursor.peek() == '\'')) {
      value = read_quoted(cursor, cursor.peek());
      cursor.end_of_line();
    } else {
      value = read_unquoted(cursor);
      cursor.end_of_line();
    }
    values[key] = value;
  }
  return values;
}

std::map<std::string, std::string> read_dotenv_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DotenvError(path.string() + ": cannot be read (check its permissions)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_dotenv(buffer.str(), path.string());
}

}  // namespace mcp::app
