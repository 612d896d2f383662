// dotenv parsing (src/app/dotenv.*): the syntax of .env / .env.local that README "Configuration" promises.
#include "app/dotenv.h"

#include <doctest/doctest.h>

#include <string>

#include "test_support.h"

using mcp::app::DotenvError;
using mcp::app::parse_dotenv;
using mcp::app::read_dotenv_file;

namespace {

struct ValueCase {
  const char* what;
  std::string text;
  const char* key;
  std::string expected;
};

}  // namespace

TEST_CASE("dotenv: values, quotes, comments and layout") {
  const ValueCase cases[] = {
      {"plain", "KEY=value\n", "KEY", "value"},
      {"last line without newline", "KEY=value", "KEY", "value"},
      {"spaces around =", "KEY = value\n", "KEY", "value"},
      {"blanks everywhere", "  \tKEY \t=\t  value  \t\n", "KEY", "value"},
      {"inner spaces kept", "KEY=a b  c\n", "KEY", "a b  c"},
      {"'=' inside a value (base64 padding)", "KEY=whsec_dGVzdA==\n", "KEY", "whsec_dGVzdA=="},
      {"empty", "KEY=\n", "KEY", ""},
      {"empty at end of file", "KEY=", "KEY", ""},
      {"empty with comment", "KEY= # nothing here\n", "KEY", ""},
      {"empty double quotes", "KEY=\"\"\n", "KEY", ""},
      {"empty single quotes", "KEY=''\n", "KEY", ""},
      {"trailing comment", "KEY=value # a comment\n", "KEY", "value"},
      {"trailing comment after tab", "KEY=value\t# a comment\n", "KEY", "value"},
      {"# without a blank before it is data (URL fragment)", "KEY=https://example.com/page#section\n", "KEY",
       "https://example.com/page#section"},
      {"# without a blank before it is data (password)", "KEY=pa#ss#word # real comment\n", "KEY", "pa#ss#word"},
      {"single quotes are literal", "KEY='a\\nb $HOME \"q\"'\n", "KEY", "a\\nb $HOME \"q\""},
      {"single quotes keep # and spaces", "KEY=' x # y '\n", "KEY", " x # y "},
      {"double quotes keep # and spaces", "KEY=\" x # y \"\n", "KEY", " x # y "},
      {"double-quote escapes", "KEY=\"a\\nb\\tc\\rd\\\"e\\\\f\"\n", "KEY", "a\nb\tc\rd\"e\\f"},
      {"unknown escape kept as written", "KEY=\"C:\\path\\q\"\n", "KEY", "C:\\path\\q"},
      {"double quotes span lines", "KEY=\"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\"\n", "KEY",
       "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"},
      {"comment after a closing quote", "KEY=\"value\" # comment\n", "KEY", "value"},
      {"blanks after a closing quote", "KEY='value'   \n", "KEY", "value"},
      {"export prefix", "export KEY=value\n", "KEY", "value"},
      {"export prefix with tab and blanks", "export\t  KEY=value\n", "KEY", "value"},
      {"a key named like the prefix", "exporter=value\n", "exporter", "value"},
      {"key with dot and dash", "my.key-name=value\n", "my.key-name", "value"},
      {"underscore-led key", "_KEY=value\n", "_KEY", "value"},
      {"later line wins", "KEY=first\nKEY=second\n", "KEY", "second"},
      {"CRLF unquoted", "KEY=value\r\nOTHER=x\r\n", "KEY", "value"},
      {"CRLF with trailing comment", "KEY=value # c\r\n", "KEY", "value"},
      {"CRLF double-quoted", "KEY=\"value\"\r\nOTHER=x\r\n", "KEY", "value"},
      {"CRLF single-quoted", "KEY='value'\r\n", "KEY", "value"},
      {"CRLF empty", "KEY=\r\nOTHER=x\r\n", "KEY", ""},
      {"UTF-8 BOM", "\xEF\xBB\xBFKEY=value\n", "KEY", "value"},
      {"UTF-8 value", "KEY=h\xC3\xA9llo \xE2\x9C\x93\n", "KEY", "h\xC3\xA9llo \xE2\x9C\x93"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.what));
    auto values = parse_dotenv(c.text, ".env");
    REQUIRE(values.count(c.key) == 1);
    CHECK(values.at(c.key) == c.expected);
  }
}

TEST_CASE("dotenv: a whole file with blank lines, comments and every form") {
  const std::string text =
      "\xEF\xBB\xBF# Clerk settings, copied from the dashboard\r\n"
      "\r\n"
      "   # an indented comment\r\n"
      "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY=pk_test_abc\r\n"
      "export CLERK_WEBHOOK_SECRET=\"whsec_dGVzdA==\"  # rotate monthly\r\n"
      "\t\r\n"
      "DATABASE_URL='postgresql://u:p#w@db/app?schema=s'\r\n"
      "PORT = 4000\r\n"
      "EMPTY=\r\n"
      "# LOG_LEVEL=debug\r\n"
      "MULTI=\"one\ntwo\"\r\n"
      "LAST=yes";
  auto values = parse_dotenv(text, "/srv/.env");
  CHECK(values.size() == 7);
  CHECK(values["NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY"] == "pk_test_abc");
  CHECK(values["CLERK_WEBHOOK_SECRET"] == "whsec_dGVzdA==");
  CHECK(values["DATABASE_URL"] == "postgresql://u:p#w@db/app?schema=s");
  CHECK(values["PORT"] == "4000");
  CHECK(values["EMPTY"] == "");
  CHECK(values["MULTI"] == "one\ntwo");
  CHECK(values["LAST"] == "yes");
  CHECK(values.count("LOG_LEVEL") == 0);
}

TEST_CASE("dotenv: only blank lines and comments is an empty map") {
  CHECK(parse_dotenv("", ".env").empty());
  CHECK(parse_dotenv("\n\n  \n\t\n", ".env").empty());
  CHECK(parse_dotenv("# one\n  # two\r\n#three", ".env").empty());
  CHECK(parse_dotenv("\xEF\xBB\xBF", ".env").empty());
}

namespace {

struct ErrorCase {
  const char* what;
  std::string text;
  const char* location;  // "origin:line:" the message must start with
  const char* mentions;  // a fragment that says what is wrong
};

}  // namespace

TEST_CASE("dotenv: malformed lines name the file and the line") {
  const ErrorCase cases[] = {
      {"a bare word", "NOKEY\n", "/srv/app/.env.local:1:", "'='"},
      {"a bare word at end of file", "A=1\nNOKEY", "/srv/app/.env.local:2:", "'='"},
      {"a bare word after comments and blanks", "# c\n\nA=1\nNOKEY\nB=2\n", "/srv/app/.env.local:4:", "NOKEY"},
      {"a line starting with =", "A=1\n=value\n", "/srv/app/.env.local:2:", "KEY=value"},
      {"a key starting with a digit", "1KEY=value\n", "/srv/app/.env.local:1:", "KEY=value"},
      {"a space inside the key", "MY KEY=value\n", "/srv/app/.env.local:1:", "'='"},
      {"unterminated double quote", "A=1\nKEY=\"never closed\n", "/srv/app/.env.local:2:", "unterminated double"},
      {"unterminated double quote swallowing later lines", "KEY=\"never closed\nB=2\nC=3\n",
       "/srv/app/.env.local:1:", "unterminated double"},
      {"unterminated single quote", "A=1\n\nKEY='never closed\n", "/srv/app/.env.local:3:", "unterminated single"},
      {"a backslash-escaped quote does not close", "KEY=\"abc\\\"\n", "/srv/app/.env.local:1:", "unterminated"},
      {"text after a closing double quote", "KEY=\"value\"extra\n", "/srv/app/.env.local:1:", "after the value"},
      {"text after a closing single quote", "A=1\nKEY='value' extra\n", "/srv/app/.env.local:2:", "after the value"},
      {"text after a multi-line value", "KEY=\"a\nb\" extra\n", "/srv/app/.env.local:2:", "after the value"},
      {"CRLF file, bad second line", "A=1\r\nNOKEY\r\n", "/srv/app/.env.local:2:", "'='"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.what));
    std::string message;
    try {
      parse_dotenv(c.text, "/srv/app/.env.local");
      FAIL("no error for: " << c.text);
    } catch (const DotenvError& e) {
      message = e.what();
    }
    CAPTURE(message);
    CHECK(message.rfind(c.location, 0) == 0);
    CHECK(message.find(c.mentions) != std::string::npos);
  }
}

TEST_CASE("dotenv: read_dotenv_file reads bytes exactly and treats an absent file as empty") {
  mcp::test::TempDir dir;
  CHECK(read_dotenv_file(dir / ".env").empty());

  mcp::test::write_file(dir / ".env", "\xEF\xBB\xBFPORT=4000\r\nHOST='0.0.0.0'\r\n");
  auto values = read_dotenv_file(dir / ".env");
  CHECK(values.size() == 2);
  CHECK(values["PORT"] == "4000");
  CHECK(values["HOST"] == "0.0.0.0");

  mcp::test::write_file(dir / ".env.local", "A=1\nB=\"open\n");
  try {
    read_dotenv_file(dir / ".env.local");
    FAIL("a malformed file was accepted");
  } catch (const DotenvError& e) {
    std::string message = e.what();
    CHECK(message.rfind((dir / ".env.local").string() + ":2:", 0) == 0);
  }
}
