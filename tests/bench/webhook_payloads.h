#pragma once
// Realistic signed Clerk `user.updated` deliveries for the webhook ingest benchmarks: ~2 KB bodies,
// each with a distinct svix-id, spread over a pool of users with increasing updated_at.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

struct WebhookDelivery {
  std::string svix_id;
  std::string body;
};

inline std::vector<WebhookDelivery> make_user_updated_deliveries(size_t count, size_t users, const std::string& run_id,
                                                                 int64_t now_ms) {
  std::vector<WebhookDelivery> deliveries;
  deliveries.reserve(count);
  for (size_t idx = 0; idx < count; ++idx) {
    std::string user_id = "user_bench" + std::to_string(idx % users);
    int64_t updated_at = now_ms + static_cast<int64_t>(idx);
    nlohmann::ordered_json data = {
        {"backup_code_enabled", false},
        {"banned", false},
        {"create_organization_enabled", true},
        {"created_at", now_ms - 86400000},
        {"delete_self_enabled", true},
        {"email_addresses",
         {{{"email_address", user_id + "@example.com"},
           {"id", "idn_" + user_id},
           {"linked_to", nlohmann::json::array()},
           {"object", "email_address"},
           {"reserved", false},
           {"verification", {{"attempts", nullptr}, {"expire_at", nullptr}, {"status", "verified"}, {"strategy", "email_code"}}}}}},
        {"external_accounts", nlohmann::json::array()},
        {"external_id", nullptr},
        {"first_name", "Bench"},
        {"has_image", false},
        {"id", user_id},
        {"image_url", "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCIsImlpZCI6Imluc18yWkFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaIiwicmlkIjoidXNlcl8y"},
        {"last_active_at", now_ms},
        {"last_name", "User " + std::to_string(idx)},
        {"last_sign_in_at", now_ms - 3600000},
        {"locked", false},
        {"object", "user"},
        {"passkeys", nlohmann::json::array()},
        {"password_enabled", true},
        {"phone_numbers", nlohmann::json::array()},
        {"primary_email_address_id", "idn_" + user_id},
        {"primary_phone_number_id", nullptr},
        {"primary_web3_wallet_id", nullptr},
        {"private_metadata", nlohmann::json::object()},
        {"profile_image_url", "https://www.gravatar.com/avatar?d=mp"},
        {"public_metadata", {{"plan", "team"}, {"seats", 12}}},
        {"saml_accounts", nlohmann::json::array()},
        {"totp_enabled", false},
        {"two_factor_enabled", false},
        {"unsafe_metadata", nlohmann::json::object()},
        {"updated_at", updated_at},
        {"username", nullptr},
        {"web3_wallets", nlohmann::json::array()},
    };
    nlohmann::ordered_json envelope = {
        {"data", data},
        {"event_attributes",
         {{"http_request",
           {{"client_ip", "192.0.2.10"},
            {"user_agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"}}}}},
        {"instance_id", "ins_2ZABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        {"object", "event"},
        {"timestamp", updated_at},
        {"type", "user.updated"},
    };
    deliveries.push_back({"msg_" + run_id + "_" + std::to_string(idx), envelope.dump()});
  }
  return deliveries;
}

}  // namespace bench
