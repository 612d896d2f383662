#include "http/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace mcp::http {

namespace {

// nullptr and the reason when the pair does not load.
SSL_CTX* load_pair(const std::string& cert_file, const std::string& key_file, std::string& why) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    why = "OpenSSL cannot create a TLS context: " + take_tls_errors();
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Partial writes: the front writes what the socket takes and resumes later from a moved buffer.
  // Released buffers: an idle TLS connection keeps no 34 KB read/write buffers.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    why = "cannot load the TLS certificate " + cert_file + " (a PEM certificate chain?): " + take_tls_errors();
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    why = "cannot load the TLS key " + key_file + " (a PEM private key?): " + take_tls_errors();
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    why = "the TLS key " + key_file + " does not match the certificate " + cert_file;
    take_tls_errors();
  } else {
    return ctx;
  }
  SSL_CTX_free(ctx);
  return nullptr;
}

}  // namespace

std::string take_tls_errors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    out += (out.empty() ? "" : "; ") + std::string(text);
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

TlsContext::TlsContext(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {
  std::string why;
  current_ = load_pair(cert_file_, key_file_, why);
  if (!current_) throw std::runtime_error(why + " (--tls-cert / --tls-key)");
}

TlsContext::~TlsContext() { SSL_CTX_free(current_); }

std::optional<std::string> TlsContext::reload() {
  std::string why;
  SSL_CTX* fresh = load_pair(cert_file_, key_file_, why);
  if (!fresh) return why;
  SSL_CTX* old = nullptr;
  {
    std::lock_guard lock(mutex_);
    old = current_;
    current_ = fresh;
  }
  SSL_CTX_free(old);  // sessions made from it hold their own reference
  return std::nullopt;
}

SSL* TlsContext::new_session(int fd) {
  SSL* ssl = nullptr;
  {
    std::lock_guard lock(mutex_);
    ssl = SSL_new(current_);
  }
  if (!ssl) return nullptr;
  if (SSL_set_fd(ssl, fd) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return ssl;
}

}  // namespace mcp::http
