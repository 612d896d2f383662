// Crypto wrappers (src/util/crypto.*): digests, HMAC, base64 and comparison, against published vectors.
#include "util/crypto.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

using mcp::util::base64_decode;
using mcp::util::base64_encode;
using mcp::util::constant_time_equals;
using mcp::util::hex_encode;
using mcp::util::hmac_sha256;
using mcp::util::random_bytes;
using mcp::util::sha256_hex;

TEST_CASE("crypto: SHA-256 known vectors (FIPS 180-2)") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Bytes, not a C string: an embedded NUL counts.
  CHECK(sha256_hex(std::string("a\0b", 3)) != sha256_hex("a"));
}

TEST_CASE("crypto: HMAC-SHA256 RFC 4231 test cases") {
  struct Case {
    const char* name;
    std::string key;
    std::string message;
    const char* hex;
  };
  const Case cases[] = {
      {"test case 1", std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"test case 2", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"test case 3", std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"test case 6 (key longer than a block)", std::string(131, '\xaa'),
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.name));
    std::string mac = hmac_sha256(c.key, c.message);
    CHECK(mac.size() == 32);
    CHECK(hex_encode(mac) == c.hex);
  }
}

TEST_CASE("crypto: HMAC-SHA256 with an empty key or message") {
  CHECK(hex_encode(hmac_sha256(std::string(), std::string())) ==
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  CHECK(hex_encode(hmac_sha256(std::string_view(), std::string_view())) ==
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("crypto: base64 RFC 4648 vectors, both ways") {
  struct Case {
    const char* bytes;
    const char* text;
  };
  const Case cases[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
                        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& c : cases) {
    INFO(std::string(c.bytes));
    CHECK(base64_encode(c.bytes) == c.text);
    CHECK(base64_decode(c.text) == std::optional<std::string>(c.bytes));
  }
  // Padding is optional on input (Svix secrets and some tools drop it).
  CHECK(base64_decode("Zg") == std::optional<std::string>("f"));
  CHECK(base64_decode("Zm8") == std::optional<std::string>("fo"));
  CHECK(base64_decode("Zm9vYmE") == std::optional<std::string>("fooba"));
}

TEST_CASE("crypto: base64 round-trips every byte value") {
  std::string all_bytes;
  for (int value = 0; value < 256; ++value) all_bytes.push_back(static_cast<char>(value));
  for (size_t length = 0; length <= all_bytes.size(); length += 37) {
    INFO(length);
    std::string bytes = all_bytes.substr(0, length);
    std::string text = base64_encode(bytes);
    CHECK(text.size() % 4 == 0);
    CHECK(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
          std::string::npos);
    CHECK(base64_decode(text) == std::optional<std::string>(bytes));
  }
  CHECK(base64_decode(base64_encode(all_bytes)) == std::optional<std::string>(all_bytes));
  CHECK(base64_encode("\xfb\xff\xbf") == "+/+/");
}

TEST_CASE("crypto: base64_decode refuses malformed input") {
  const char* invalid[] = {
      "Z",          // one character cannot encode a byte
      "Zm9vY",      // 4n+1 characters
      "Zm9v!",      // not in the alphabet
      "Zm9v YmFy",  // whitespace
      "Zm9v\nYmFy",
      "Zm=9v",      // padding in the middle
      "Zm9v-_8",    // base64url is not standard base64
      "\xc3\xa9\xc3\xa9",
  };
  for (const char* text : invalid) {
    INFO(std::string(text));
    CHECK(base64_decode(text) == std::nullopt);
  }
}

TEST_CASE("crypto: constant_time_equals compares every byte and the length") {
  struct Case {
    std::string a;
    std::string b;
    bool equal;
  };
  const Case cases[] = {
      {"", "", true},
      {"a", "a", true},
      {"v1,abcdef", "v1,abcdef", true},
      {"a", "b", false},
      {"abc", "abd", false},  // last byte
      {"xbc", "abc", false},  // first byte
      {"abc", "ab", false},   // prefix
      {"ab", "abc", false},
      {"", "a", false},
      {std::string("a\0b", 3), std::string("a\0c", 3), false},  // past an embedded NUL
      {std::string("a\0b", 3), std::string("a\0b", 3), true},
      {std::string("a\0", 2), "a", false},
  };
  for (const auto& c : cases) {
    INFO(hex_encode(c.a) << " vs " << hex_encode(c.b));
    CHECK(constant_time_equals(c.a, c.b) == c.equal);
    CHECK(constant_time_equals(c.b, c.a) == c.equal);
  }
}

TEST_CASE("crypto: hex_encode and random_bytes") {
  CHECK(hex_encode(std::string("\x00\x0f\x10\xab\xff", 5)) == "000f10abff");
  CHECK(hex_encode("") == "");

  CHECK(random_bytes(0).empty());
  std::string first = random_bytes(32);
  std::string second = random_bytes(32);
  CHECK(first.size() == 32);
  CHECK(second.size() == 32);
  CHECK(first != second);
}

TEST_CASE("base64url: no padding, URL-safe alphabet, canonical decoding only") {
  CHECK(mcp::util::base64url_encode(std::string("\xfb\xff\xbf", 3)) == "-_-_");
  CHECK(mcp::util::base64url_encode("f") == "Zg");
  CHECK(mcp::util::base64url_decode("Zg") == std::optional<std::string>("f"));
  CHECK(mcp::util::base64url_decode("-_-_") == std::optional<std::string>(std::string("\xfb\xff\xbf", 3)));
  CHECK_FALSE(mcp::util::base64url_decode("Zh"));    // unused bits set: a second spelling of "f"
  CHECK_FALSE(mcp::util::base64url_decode("Zg=="));  // padding
  CHECK_FALSE(mcp::util::base64url_decode("+/+/"));  // the standard alphabet
  CHECK_FALSE(mcp::util::base64url_decode("Z"));     // 1 mod 4
  for (int round = 0; round < 64; ++round) {
    std::string bytes = mcp::util::random_bytes(static_cast<size_t>(round));
    CHECK(mcp::util::base64url_decode(mcp::util::base64url_encode(bytes)) == std::optional<std::string>(bytes));
  }
}
