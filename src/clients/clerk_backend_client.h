#pragma once
// Clerk's Backend API over HTTPS (README "Already have users?"): the ClerkDirectory that `clerk sync` reads.
// Retries what a retry can fix (429 after Retry-After, 5xx and network errors with exponential
// backoff, within a bounded number of attempts and total wait) and verifies TLS against the
// system's CA store. The secret key is sent as a bearer token and never written anywhere else.
#include <memory>
#include <string>

#include "domain/clerk_reconcile.h"

namespace mcp::clients {

struct ClerkBackendOptions {
  std::string api_url = "https://api.clerk.com";  // CLERK_API_URL (http only for loopback: tests)
  std::string secret_key;                          // CLERK_SECRET_KEY
  // PEM bundle of trusted CAs: $SSL_CERT_FILE when set, else Debian's system store.
  std::string ca_file;
  int max_attempts = 8;            // per request, for 5xx and network errors
  int64_t max_total_wait_ms = 300'000;  // per request: backoff and Retry-After waits together
  int64_t initial_backoff_ms = 250;
};

// The system CA bundle the client trusts by default.
std::string default_ca_file();

class ClerkBackendClient : public domain::ClerkDirectory {
 public:
  explicit ClerkBackendClient(ClerkBackendOptions options);
  ~ClerkBackendClient() override;

  domain::ClerkPage list(domain::ClerkListing listing, int64_t offset, int limit) override;
  std::optional<int64_t> count_users() override;
  bool user_exists(const std::string& user_id) override;
  bool organization_exists(const std::string& organization_id) override;
  bool membership_exists(const std::string& organization_id, const std::string& user_id,
                         const std::string& membership_id) override;

  // Requests retried so far (429, 5xx, network), for the summary.
  int64_t retries() const { return retries_; }

 private:
  struct Answer {
    int status = 0;
    std::string body;
  };
  // GET path (with query) until a final answer: 2xx, 404, or another 4xx. Throws ClerkApiError.
  Answer get(const std::string& path_and_query);

  struct Connection;
  ClerkBackendOptions options_;
  std::unique_ptr<Connection> connection_;
  int64_t retries_ = 0;
};

}  // namespace mcp::clients
