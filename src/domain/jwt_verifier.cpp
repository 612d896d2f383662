#include "domain/jwt_verifier.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "util/crypto.h"
#include "util/json_limits.h"

namespace mcp::domain {

namespace {

using nlohmann::json;

// Clerk's session tokens are about 1 KiB; anything far larger is refused before any decoding.
constexpr size_t kMaxTokenBytes = 16 * 1024;
// A token's header and payload, and a JWKS document, nest a few levels; deeper ones are refused while
// parsing (util::parse_json_limited) instead of being built.
constexpr size_t kMaxTokenJsonDepth = 32;
constexpr size_t kMaxJwksDepth = 16;
// RSA keys shorter than this are refused at load time (RS256 requires at least 2048 bits: RFC 7518 §3.3).
constexpr int kMinRsaBits = 2048;
// A clock skew above this is a configuration mistake, not a tolerance.
constexpr int64_t kMaxClockSkewMs = 24LL * 60 * 60 * 1000;
// NumericDate values beyond this many seconds (about year 318,000) are refused: exp * 1000 then
// always fits an int64_t, with room for the skew.
constexpr double kMaxNumericDateSeconds = 1e13;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct MdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};

const unsigned char* as_bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

using util::base64url_decode;
using util::is_base64url_char;

// The three parts of a compact JWS, or nullopt unless there are exactly three non-empty ones.
std::optional<std::array<std::string_view, 3>> split_compact(std::string_view token) {
  std::array<std::string_view, 3> parts;
  for (size_t part_idx = 0; part_idx < 3; ++part_idx) {
    size_t dot_idx = token.find('.');
    if ((part_idx < 2) == (dot_idx == std::string_view::npos)) return std::nullopt;
    parts[part_idx] = token.substr(0, dot_idx);
    if (parts[part_idx].empty()) return std::nullopt;
    token = part_idx < 2 ? token.substr(dot_idx + 1) : std::string_view();
  }
  return parts;
}

// A base64url-encoded JSON object, or nullopt.
std::optional<json> decode_json_object(std::string_view encoded) {
  std::optional<std::string> text = base64url_decode(encoded);
  if (!text) return std::nullopt;
  util::LimitedJson parsed = util::parse_json_limited(*text, kMaxTokenJsonDepth);
  if (!parsed.ok() || !parsed.value.is_object()) return std::nullopt;
  return std::move(parsed.value);
}

// A member that is absent or null is "absent"; one of another type than string is malformed.
// Returns nullopt when absent, throws TokenRejected(malformed) when not a string.
std::optional<std::string> optional_string(const json& object, const char* name, const char* malformed) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw TokenRejected(malformed);
  return it->get<std::string>();
}

// A NumericDate claim (seconds since the epoch, possibly fractional) in milliseconds; nullopt when
// absent; throws TokenRejected(malformed) when not a number or absurdly far from now.
std::optional<int64_t> optional_numeric_date_ms(const json& payload, const char* name, const char* malformed) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::nullopt;
  if (it->is_number_integer() && !it->is_number_unsigned()) {
    int64_t seconds = it->get<int64_t>();
    constexpr auto kLimit = static_cast<int64_t>(kMaxNumericDateSeconds);
    if (seconds < -kLimit || seconds > kLimit) {
      throw TokenRejected(malformed);
    }
    return seconds * 1000;
  }
  if (it->is_number_unsigned()) {
    uint64_t seconds = it->get<uint64_t>();
    if (seconds > static_cast<uint64_t>(kMaxNumericDateSeconds)) throw TokenRejected(malformed);
    return static_cast<int64_t>(seconds) * 1000;
  }
  if (it->is_number_float()) {
    double seconds = it->get<double>();
    if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxNumericDateSeconds) throw TokenRejected(malformed);
    return static_cast<int64_t>(std::floor(seconds * 1000.0));
  }
  throw TokenRejected(malformed);
}

// Loading keys -------------------------------------------------------------------------------

// Refuses keys that are not RSA, are shorter than kMinRsaBits, or fail OpenSSL's public-key check.
void check_rsa_public_key(EVP_PKEY* key, const std::string& which) {
  if (EVP_PKEY_is_a(key, "RSA") != 1) {
    throw std::invalid_argument(which + " is not an RSA key (Clerk session tokens are RS256)");
  }
  int bits = EVP_PKEY_get_bits(key);
  if (bits < kMinRsaBits) {
    throw std::invalid_argument(which + " is a " + std::to_string(bits) + "-bit RSA key; at least " +
                                std::to_string(kMinRsaBits) + " bits are required");
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
    ERR_clear_error();
    throw std::invalid_argument(which + " is not a valid RSA public key");
  }
}

// CLERK_JWT_KEY as Clerk's dashboard shows it, or flattened into one line the way it often ends up
// in a .env file (newlines lost, replaced by spaces, or left as the two characters "\n"), or the
// bare base64 body: the body is rebuilt into a canonical PEM before OpenSSL reads it.
PkeyPtr load_pem(const std::string& text) {
  const std::string which = "CLERK_JWT_KEY";
  constexpr std::string_view kBegin = "-----BEGIN PUBLIC KEY-----";
  constexpr std::string_view kEnd = "-----END PUBLIC KEY-----";
  std::string_view body = text;
  size_t begin_idx = body.find(kBegin);
  if (begin_idx != std::string_view::npos) {
    body.remove_prefix(begin_idx + kBegin.size());
    size_t end_idx = body.find(kEnd);
    if (end_idx == std::string_view::npos) {
      throw std::invalid_argument(which + " has no \"-----END PUBLIC KEY-----\" line: "
                                          "copy the whole PEM from the Clerk dashboard");
    }
    body = body.substr(0, end_idx);
  } else if (body.find("-----BEGIN ") != std::string_view::npos) {
    throw std::invalid_argument(which + " is not a \"-----BEGIN PUBLIC KEY-----\" PEM (a certificate, a private "
                                        "key or a PKCS#1 RSA PUBLIC KEY?): use the PEM public key of the Clerk "
                                        "dashboard's API keys page");
  }
  std::string compact;
  compact.reserve(body.size());
  for (size_t idx = 0; idx < body.size(); ++idx) {
    char c = body[idx];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'') continue;
    if (c == '\\' && idx + 1 < body.size() && (body[idx + 1] == 'n' || body[idx + 1] == 'r')) {
      ++idx;
      continue;
    }
    compact.push_back(c);
  }
  if (compact.empty()) throw std::invalid_argument(which + " is empty");
  if (!util::base64_decode(compact)) {
    throw std::invalid_argument(which + " is not a PEM public key (its body is not base64)");
  }
  std::string pem(kBegin);
  pem.push_back('\n');
  for (size_t idx = 0; idx < compact.size(); idx += 64) pem.append(compact, idx, 64).push_back('\n');
  pem.append(kEnd).push_back('\n');

  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::runtime_error("OpenSSL could not allocate a memory BIO");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    throw std::invalid_argument(which + " is not a readable PEM public key (SubjectPublicKeyInfo)");
  }
  check_rsa_public_key(key.get(), which);
  return key;
}

// A big-endian unsigned integer from a JWK member ("n", "e"): base64url, trailing '=' tolerated.
std::unique_ptr<BIGNUM, BnDeleter> jwk_bignum(const json& jwk, const char* name, const std::string& which) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) {
    throw std::invalid_argument(which + " has no \"" + name + "\" string");
  }
  std::string_view encoded = it->get_ref<const std::string&>();
  while (!encoded.empty() && encoded.back() == '=') encoded.remove_suffix(1);
  std::optional<std::string> bytes = base64url_decode(encoded);
  if (!bytes || bytes->empty()) {
    throw std::invalid_argument(which + " has an \"" + name + "\" that is not base64url");
  }
  std::unique_ptr<BIGNUM, BnDeleter> bn(BN_bin2bn(as_bytes(*bytes), static_cast<int>(bytes->size()), nullptr));
  if (!bn) throw std::runtime_error("OpenSSL could not allocate a BIGNUM");
  return bn;
}

PkeyPtr rsa_key_from_jwk(const json& jwk, const std::string& which) {
  std::unique_ptr<BIGNUM, BnDeleter> n = jwk_bignum(jwk, "n", which);
  std::unique_ptr<BIGNUM, BnDeleter> e = jwk_bignum(jwk, "e", which);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    ERR_clear_error();
    throw std::runtime_error("OpenSSL could not build the parameters of an RSA key");
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(builder.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    throw std::invalid_argument(which + " is not a usable RSA public key");
  }
  PkeyPtr key(raw);
  check_rsa_public_key(key.get(), which);
  return key;
}

struct JwkKey {
  std::optional<std::string> kid;
  PkeyPtr key;
};

// The RSA signature keys of a JWKS document. Keys of other types (EC, OKP, oct), keys for
// encryption ("use":"enc") and keys for other algorithms ("alg" other than RS256) are skipped;
// a document with no usable key at all, or a malformed RSA key, is refused.
std::vector<JwkKey> load_jwks(const std::string& text) {
  const std::string which = "the JWKS (CLERK_JWKS_FILE)";
  util::LimitedJson parsed = util::parse_json_limited(text, kMaxJwksDepth);
  if (parsed.error == util::LimitedJson::Error::TooDeep) {
    throw std::invalid_argument(which + " is nested more than " + std::to_string(kMaxJwksDepth) + " levels deep");
  }
  if (!parsed.ok()) throw std::invalid_argument(which + " is not valid JSON");
  json document = std::move(parsed.value);
  if (!document.is_object()) throw std::invalid_argument(which + " is not a JSON object with a \"keys\" array");
  auto keys_it = document.find("keys");
  if (keys_it == document.end() || !keys_it->is_array()) {
    throw std::invalid_argument(which + " has no \"keys\" array (save the whole /.well-known/jwks.json document)");
  }
  std::vector<JwkKey> keys;
  for (size_t key_idx = 0; key_idx < keys_it->size(); ++key_idx) {
    const json& jwk = (*keys_it)[key_idx];
    std::string key_which = which + " key #" + std::to_string(key_idx + 1);
    if (!jwk.is_object()) throw std::invalid_argument(key_which + " is not a JSON object");
    auto member = [&](const char* name) -> std::optional<std::string> {
      auto it = jwk.find(name);
      if (it == jwk.end() || it->is_null()) return std::nullopt;
      if (!it->is_string()) throw std::invalid_argument(key_which + " has a non-string \"" + name + "\"");
      return it->get<std::string>();
    };
    std::optional<std::string> kty = member("kty");
    std::optional<std::string> kid = member("kid");
    std::optional<std::string> use = member("use");
    std::optional<std::string> alg = member("alg");
    if (!kty) throw std::invalid_argument(key_which + " has no \"kty\"");
    if (*kty != "RSA" || (use && *use != "sig") || (alg && *alg != "RS256")) continue;
    if (kid) {
      key_which += " (kid " + *kid + ")";
      for (const JwkKey& existing : keys) {
        if (existing.kid == kid) throw std::invalid_argument(key_which + " repeats a kid already in the document");
      }
    }
    keys.push_back(JwkKey{kid, rsa_key_from_jwk(jwk, key_which)});
  }
  if (keys.empty()) {
    throw std::invalid_argument(which + " has no RSA signature key (kty RSA, use sig, alg RS256)");
  }
  return keys;
}

}  // namespace

bool looks_like_jwt(std::string_view credential) {
  std::optional<std::array<std::string_view, 3>> parts = split_compact(credential);
  if (!parts) return false;
  for (std::string_view part : *parts) {
    if (!std::all_of(part.begin(), part.end(), is_base64url_char)) return false;
  }
  return true;
}

struct JwtVerifier::Impl {
  std::vector<JwkKey> jwks;
  PkeyPtr pem;
  std::vector<std::string> authorized_parties;
  int64_t clock_skew_ms = 0;
  std::optional<std::string> issuer;  // CLERK_ISSUER: the iss every token must carry, when known
  std::unique_ptr<EVP_MD, MdDeleter> sha256;  // fetched once: no algorithm lookup per token

  // The key the token's header names: a kid found in the JWKS selects that key; otherwise the PEM
  // when there is one (whatever the kid, or none); otherwise, JWKS only, the single key of a
  // one-key JWKS for a token without kid. Anything else is refused.
  EVP_PKEY* select_key(const std::optional<std::string>& kid) const {
    if (kid) {
      for (const JwkKey& candidate : jwks) {
        if (candidate.kid == kid) return candidate.key.get();
      }
    }
    if (pem) return pem.get();
    if (kid) throw TokenRejected("the session token's key id (kid) matches no configured key");
    if (jwks.size() == 1) return jwks.front().key.get();
    throw TokenRejected("the session token has no key id (kid) and several keys are configured");
  }

  bool signature_valid(EVP_PKEY* key, std::string_view signing_input, std::string_view signature) const {
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
    bool valid = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, sha256.get(), nullptr, key) == 1 &&
                 EVP_DigestVerify(ctx.get(), as_bytes(signature), signature.size(), as_bytes(signing_input),
                                  signing_input.size()) == 1;
    if (!valid) ERR_clear_error();  // leave nothing on this thread's OpenSSL error queue
    return valid;
  }
};

JwtVerifier::JwtVerifier(const std::optional<std::string>& pem, const std::optional<std::string>& jwks_json,
                         std::vector<std::string> authorized_parties, int64_t clock_skew_ms)
    : impl_(std::make_unique<Impl>()) {
  if (!pem && !jwks_json) {
    throw std::invalid_argument("no key to verify Clerk session tokens: set CLERK_JWT_KEY or CLERK_JWKS_FILE");
  }
  if (clock_skew_ms < 0 || clock_skew_ms > kMaxClockSkewMs) {
    throw std::invalid_argument("the clock skew for session tokens must be between 0 and 24 hours");
  }
  if (pem) impl_->pem = load_pem(*pem);
  if (jwks_json) impl_->jwks = load_jwks(*jwks_json);
  // "a,,b" or a trailing comma leave empty entries: they would match nothing anyway.
  std::erase_if(authorized_parties, [](const std::string& party) { return party.empty(); });
  impl_->authorized_parties = std::move(authorized_parties);
  impl_->clock_skew_ms = clock_skew_ms;
  impl_->sha256.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!impl_->sha256) {
    ERR_clear_error();
    throw std::runtime_error("OpenSSL has no SHA-256 implementation available");
  }
}

JwtVerifier::~JwtVerifier() = default;

SessionClaims JwtVerifier::verify(std::string_view token, int64_t now_ms) const {
  if (token.size() > kMaxTokenBytes) throw TokenRejected("the session token is too large");
  std::optional<std::array<std::string_view, 3>> parts = split_compact(token);
  if (!parts) throw TokenRejected("the session token is malformed (expected three dot-separated parts)");
  const auto& [header_part, payload_part, signature_part] = *parts;

  // Header: only what selects the algorithm and the key; the payload is not parsed before the
  // signature has been checked.
  std::optional<json> header = decode_json_object(header_part);
  if (!header) throw TokenRejected("the session token's header is not base64url-encoded JSON");
  std::optional<std::string> alg =
      optional_string(*header, "alg", "the session token's algorithm (alg) is not a string");
  if (!alg) throw TokenRejected("the session token has no algorithm (alg)");
  if (*alg != "RS256") throw TokenRejected("the session token's algorithm is not RS256");
  if (header->contains("crit")) {
    throw TokenRejected("the session token has critical header parameters (crit) that are not supported");
  }
  std::optional<std::string> kid = optional_string(*header, "kid", "the session token's key id (kid) is not a string");
  // The kind of token is its header's typ (RFC 9068 §2.1): an access token is never taken for a
  // session token, nor the other way round.
  std::optional<std::string> typ = optional_string(*header, "typ", "the token's type (typ) is not a string");
  TokenKind kind = TokenKind::Session;
  if (typ) {
    std::string lowered = *typ;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lowered == "at+jwt" || lowered == "application/at+jwt") {
      kind = TokenKind::Access;
    } else if (lowered != "jwt") {
      throw TokenRejected("the token's type (typ) is neither JWT (a Clerk session token) nor at+jwt (an OAuth access "
                          "token)");
    }
  }
  const std::string noun = kind == TokenKind::Session ? "the session token" : "the access token";
  EVP_PKEY* key = impl_->select_key(kid);

  std::optional<std::string> signature = base64url_decode(signature_part);
  if (!signature) throw TokenRejected(noun + "'s signature is not base64url");
  const std::string_view signing_input = token.substr(0, header_part.size() + 1 + payload_part.size());
  if (!impl_->signature_valid(key, signing_input, *signature)) {
    throw TokenRejected(noun + "'s signature is not valid");
  }

  std::optional<json> payload = decode_json_object(payload_part);
  if (!payload) throw TokenRejected(noun + "'s payload is not base64url-encoded JSON");
  const json& claims_json = *payload;
  const int64_t skew = impl_->clock_skew_ms;

  std::optional<int64_t> exp_ms =
      optional_numeric_date_ms(claims_json, "exp", (noun + "'s expiry (exp) is not a number").c_str());
  if (!exp_ms) throw TokenRejected(noun + " has no expiry (exp)");
  if (*exp_ms + skew <= now_ms) throw TokenRejected(noun + " has expired");
  std::optional<int64_t> nbf_ms =
      optional_numeric_date_ms(claims_json, "nbf", (noun + "'s not-before (nbf) is not a number").c_str());
  if (nbf_ms && *nbf_ms - skew > now_ms) throw TokenRejected(noun + " is not valid yet (nbf)");
  std::optional<int64_t> iat_ms =
      optional_numeric_date_ms(claims_json, "iat", (noun + "'s issued-at (iat) is not a number").c_str());
  if (iat_ms && *iat_ms - skew > now_ms) throw TokenRejected(noun + " was issued in the future (iat)");

  SessionClaims claims;
  claims.expires_at_ms = *exp_ms;
  std::optional<std::string> subject =
      optional_string(claims_json, "sub", (noun + "'s subject (sub) is not a string").c_str());
  if (!subject || subject->empty()) throw TokenRejected(noun + " has no subject (sub)");
  claims.subject = std::move(*subject);
  claims.session_id = optional_string(claims_json, "sid", (noun + "'s session id (sid) is not a string").c_str());

  claims.authorized_party =
      optional_string(claims_json, "azp", (noun + "'s authorized party (azp) is not a string").c_str());
  const std::vector<std::string>& parties = impl_->authorized_parties;
  if (kind == TokenKind::Session && !parties.empty()) {
    if (!claims.authorized_party) throw TokenRejected(noun + " has no authorized party (azp)");
    if (std::find(parties.begin(), parties.end(), *claims.authorized_party) == parties.end()) {
      throw TokenRejected(noun + "'s authorized party (azp) is not allowed");
    }
  }

  // Organization: v2 nests it under "o" (id, rol, slg); v1 has top-level org_id, org_role, org_slug.
  // Whichever the token carries, regardless of "v"; "o" wins when both are present.
  auto org_it = claims_json.find("o");
  if (org_it != claims_json.end() && !org_it->is_null()) {
    if (!org_it->is_object()) throw TokenRejected(noun + "'s organization claim (o) is not an object");
    const std::string malformed_o = noun + "'s organization claim (o) is malformed";
    const char* malformed = malformed_o.c_str();
    claims.org_id = optional_string(*org_it, "id", malformed);
    claims.org_role = optional_string(*org_it, "rol", malformed);
    claims.org_slug = optional_string(*org_it, "slg", malformed);
  } else {
    const std::string malformed_v1 = noun + "'s organization claims (org_id, org_role, org_slug) are malformed";
    const char* malformed = malformed_v1.c_str();
    claims.org_id = optional_string(claims_json, "org_id", malformed);
    claims.org_role = optional_string(claims_json, "org_role", malformed);
    claims.org_slug = optional_string(claims_json, "org_slug", malformed);
  }
  if (claims.org_id && claims.org_id->empty()) claims.org_id.reset();
  if (claims.org_slug && claims.org_slug->empty()) claims.org_slug.reset();
  if (claims.org_role) {
    if (claims.org_role->empty()) {
      claims.org_role.reset();
    } else if (!claims.org_role->starts_with("org:")) {
      claims.org_role->insert(0, "org:");
    }
  }
  claims.kind = kind;
  claims.issuer = optional_string(claims_json, "iss", (noun + "'s issuer (iss) is not a string").c_str());
  if (impl_->issuer) {
    if (!claims.issuer || *claims.issuer != *impl_->issuer) {
      throw TokenRejected(noun + " was not issued by " + *impl_->issuer + " (iss)");
    }
  } else if (kind == TokenKind::Access) {
    throw TokenRejected("OAuth access tokens are not accepted: the issuer to check them against is not configured "
                        "(CLERK_ISSUER)");
  }
  auto aud_it = claims_json.find("aud");
  if (aud_it != claims_json.end() && !aud_it->is_null()) {
    const std::string malformed_aud = noun + "'s audience (aud) is not a string or an array of strings";
    if (aud_it->is_string()) {
      claims.audiences.push_back(aud_it->get<std::string>());
    } else if (aud_it->is_array()) {
      for (const auto& audience : *aud_it) {
        if (!audience.is_string()) throw TokenRejected(malformed_aud);
        claims.audiences.push_back(audience.get<std::string>());
      }
    } else {
      throw TokenRejected(malformed_aud);
    }
  }
  claims.client_id = optional_string(claims_json, "client_id", (noun + "'s client_id is not a string").c_str());
  claims.scope = optional_string(claims_json, "scope", (noun + "'s scope is not a string").c_str());
  claims.nonce = optional_string(claims_json, "nonce", (noun + "'s nonce is not a string").c_str());
  return claims;
}

}  // namespace mcp::domain

namespace mcp::domain {

void JwtVerifier::require_issuer(std::string issuer) { impl_->issuer = std::move(issuer); }

bool audience_names(const SessionClaims& claims, std::string_view resource) {
  auto without_slash = [](std::string_view text) {
    return text.size() > 1 && text.back() == '/' ? text.substr(0, text.size() - 1) : text;
  };
  for (const auto& audience : claims.audiences) {
    if (without_slash(audience) == without_slash(resource)) return true;
  }
  return false;
}

}  // namespace mcp::domain
