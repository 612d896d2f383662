#pragma once
// Small wrappers over OpenSSL: digests, HMAC, randomness, constant-time comparison, base64.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcp::util {

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

// Raw SHA-256 of the bytes: 32 bytes.
std::string sha256(std::string_view bytes);

// Raw HMAC-SHA256(key, message): 32 bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// Cryptographically secure random bytes; throws if the CSPRNG fails.
std::string random_bytes(size_t count);

// Compares in time that depends only on the lengths, never on where the first difference is.
bool constant_time_equals(std::string_view a, std::string_view b);

// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);

// Standard base64 (padding optional); nullopt if malformed.
std::optional<std::string> base64_decode(std::string_view text);

// Base64url without padding (RFC 4648 §5, as JWTs and API keys use it).
std::string base64url_encode(std::string_view bytes);

// Base64url without padding, canonical only: a length of 1 mod 4 or non-zero unused bits in the
// last character are refused, so one byte string has exactly one accepted spelling (no second
// spelling of a signature or a cursor). nullopt if malformed.
std::optional<std::string> base64url_decode(std::string_view text);

// Whether c is one of base64url's 64 characters.
bool is_base64url_char(char c);

// Lower-case hex of the bytes.
std::string hex_encode(std::string_view bytes);

}  // namespace mcp::util
