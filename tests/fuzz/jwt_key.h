#pragma once
// The RSA key of the JWT fuzz targets: tests/fuzz/jwt_fuzz_key.pem, a throwaway key made for these
// tests only (make_seeds.mjs signs the seed tokens with it), so that seeds carry valid signatures
// and the fuzzer reaches the claim checks behind the signature.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "util/crypto.h"

namespace mcp::fuzz {

inline EVP_PKEY* fuzz_private_key() {
  static EVP_PKEY* key = [] {
    FILE* file = std::fopen(MCP_FUZZ_JWT_KEY, "r");
    if (!file) throw std::runtime_error("cannot read " MCP_FUZZ_JWT_KEY);
    EVP_PKEY* loaded = PEM_read_PrivateKey(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (!loaded) throw std::runtime_error("not a private key: " MCP_FUZZ_JWT_KEY);
    return loaded;
  }();
  return key;
}

inline std::string fuzz_public_pem() {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, fuzz_private_key());
  char* bytes = nullptr;
  long length = BIO_get_mem_data(bio, &bytes);
  std::string pem(bytes, static_cast<size_t>(length));
  BIO_free(bio);
  return pem;
}

// {"keys":[…]} with the fuzz key's public half under `kid`, as a JWKS file holds it.
inline std::string fuzz_jwks(const std::string& kid) {
  auto member = [](const char* name) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(fuzz_private_key(), name, &bn);
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    BN_free(bn);
    return util::base64url_encode(bytes);
  };
  nlohmann::json jwk = {{"kty", "RSA"}, {"kid", kid}, {"use", "sig"}, {"alg", "RS256"},
                        {"n", member(OSSL_PKEY_PARAM_RSA_N)}, {"e", member(OSSL_PKEY_PARAM_RSA_E)}};
  return nlohmann::json{{"keys", nlohmann::json::array({jwk})}}.dump();
}

// RS256 over `signing_input` with the fuzz key.
inline std::string rs256_sign(std::string_view signing_input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t length = 0;
  std::string signature;
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, fuzz_private_key()) == 1 &&
      EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) == 1) {
    signature.resize(length);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                   reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
    signature.resize(length);
  }
  EVP_MD_CTX_free(ctx);
  return signature;
}

}  // namespace mcp::fuzz
