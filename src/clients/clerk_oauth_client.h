#pragma once
// Clerk's OAuth token endpoint (<CLERK_ISSUER>/oauth/token) for the admin page's sign-in: the
// authorization-code grant with PKCE, the client authenticated with client_secret_basic (RFC 6749
// §2.3.1). TLS verified against the system's CA store; plain http only to a loopback host (tests).
#include <string>

#include "domain/admin_sign_in.h"

namespace mcp::clients {

struct ClerkOAuthOptions {
  std::string issuer;  // CLERK_ISSUER, without a trailing slash
  std::string client_id;
  std::string client_secret;
  std::string ca_file;  // empty: the system's bundle
};

class ClerkOAuthClient : public domain::OidcTokenEndpoint {
 public:
  explicit ClerkOAuthClient(ClerkOAuthOptions options);
  std::string exchange_code(const std::string& code, const std::string& code_verifier,
                            const std::string& redirect_uri) override;

 private:
  ClerkOAuthOptions options_;
};

}  // namespace mcp::clients
