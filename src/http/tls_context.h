#pragma once
// The server's TLS certificate and key (--tls-cert / --tls-key), re-readable while serving:
// reload() (on SIGHUP) builds a new context from the files; connections accepted afterwards use
// it, connections already open keep the one they started with (OpenSSL counts its references).
// A pair that does not load is reported and the current one kept.
#include <mutex>
#include <optional>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace mcp::http {

class TlsContext {
 public:
  // Throws std::runtime_error naming the problem when the pair cannot be loaded.
  TlsContext(std::string cert_file, std::string key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Re-reads both files. nullopt when the new pair is in use; otherwise why not (the old pair stays).
  std::optional<std::string> reload();

  // A server-side session on fd with the current pair; nullptr when OpenSSL cannot make one.
  SSL* new_session(int fd);

 private:
  std::string cert_file_;
  std::string key_file_;
  std::mutex mutex_;
  SSL_CTX* current_ = nullptr;
};

// OpenSSL's error queue as one line (and emptied), for logs.
std::string take_tls_errors();

}  // namespace mcp::http
