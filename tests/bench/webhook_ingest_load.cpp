// Load generator for POST /api/webhooks/clerk: N keep-alive connections post signed user.updated
// deliveries (distinct svix-ids) as fast as the server answers; reports events/s and latency
// percentiles. Bounded by --events and --seconds. Loopback only.
//   bench_webhook_ingest_load --port P --secret whsec_... [--connections 16] [--events 100000] [--seconds 10]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "util/crypto.h"
#include "webhook_payloads.h"

namespace {

using Clock = std::chrono::steady_clock;

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  return fd;
}

// Reads one HTTP response (headers + Content-Length body); returns the status, or -1 on EOF.
int read_response(int fd, std::string& buffer) {
  for (;;) {
    size_t header_end = buffer.find("\r\n\r\n");
    if (header_end != std::string::npos) {
      int status = std::atoi(buffer.c_str() + 9);
      size_t length = 0;
      size_t cl = buffer.find("Content-Length: ");
      if (cl != std::string::npos && cl < header_end) length = std::strtoul(buffer.c_str() + cl + 16, nullptr, 10);
      size_t total = header_end + 4 + length;
      if (buffer.size() >= total) {
        buffer.erase(0, total);
        return status;
      }
    }
    char chunk[16384];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, connections = 16;
  size_t events = 100000;
  double seconds = 10;
  std::string secret;
  for (int idx = 1; idx + 1 < argc; idx += 2) {
    std::string flag = argv[idx], value = argv[idx + 1];
    if (flag == "--port") port = std::stoi(value);
    else if (flag == "--secret") secret = value;
    else if (flag == "--connections") connections = std::stoi(value);
    else if (flag == "--events") events = std::stoul(value);
    else if (flag == "--seconds") seconds = std::stod(value);
  }
  if (port <= 0 || secret.rfind("whsec_", 0) != 0 || events == 0 || events > 2000000 || seconds <= 0 || seconds > 120) {
    std::fprintf(stderr, "usage: %s --port P --secret whsec_... [--connections 16] [--events N<=2e6] [--seconds S<=120]\n", argv[0]);
    return 2;
  }
  auto key = mcp::util::base64_decode(secret.substr(6));
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string run_id = std::to_string(now_ms);
  auto deliveries = bench::make_user_updated_deliveries(events, 1000, run_id, now_ms);
  std::string timestamp = std::to_string(now_ms / 1000);
  std::vector<std::string> requests;
  requests.reserve(events);
  for (const auto& delivery : deliveries) {
    std::string signature = "v1," + mcp::util::base64_encode(mcp::util::hmac_sha256(*key, delivery.svix_id + "." + timestamp + "." + delivery.body));
    requests.push_back("POST /api/webhooks/clerk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       "svix-id: " + delivery.svix_id + "\r\nsvix-timestamp: " + timestamp + "\r\nsvix-signature: " +
                       signature + "\r\nContent-Length: " + std::to_string(delivery.body.size()) + "\r\n\r\n" + delivery.body);
  }

  std::atomic<size_t> next{0};
  std::atomic<size_t> failures{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int conn = 0; conn < connections; ++conn) {
    threads.emplace_back([&, conn] {
      int fd = connect_loopback(port);
      std::string buffer;
      auto& mine = latencies[static_cast<size_t>(conn)];
      for (;;) {
        size_t idx = next.fetch_add(1);
        if (idx >= requests.size() || Clock::now() > deadline) break;
        auto sent = Clock::now();
        const std::string& request = requests[idx];
        size_t off = 0;
        while (off < request.size()) {
          ssize_t n = ::write(fd, request.data() + off, request.size() - off);
          if (n <= 0) std::exit(1);
          off += static_cast<size_t>(n);
        }
        int status = read_response(fd, buffer);
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        if (status != 200) failures.fetch_add(1);
      }
      ::close(fd);
    });
  }
  for (auto& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))]; };
  std::printf("{\"events\":%zu,\"seconds\":%.3f,\"events_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"non_200\":%zu,\"body_bytes\":%zu}\n",
              all.size(), elapsed, static_cast<double>(all.size()) / elapsed, pct(0.50), pct(0.99), all.empty() ? 0.0 : all.back(),
              failures.load(), deliveries.front().body.size());
  return failures.load() == 0 ? 0 : 1;
}
