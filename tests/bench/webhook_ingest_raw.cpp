// The raw limit of webhook ingest: the same deliveries applied in one process without HTTP and
// without signature checks, by N threads calling the sync directly (same storage, same group
// commit, same durability). Reports events/s.
//   bench_webhook_ingest_raw --database file:/tmp/x.db [--threads 16] [--events 100000] [--seconds 10]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "domain/webhook_sync.h"
#include "storage/migrator.h"
#include "storage/open_database.h"
#include "webhook_payloads.h"

int main(int argc, char** argv) {
  std::string url;
  int threads_count = 16;
  size_t events = 100000;
  double seconds = 10;
  for (int idx = 1; idx + 1 < argc; idx += 2) {
    std::string flag = argv[idx], value = argv[idx + 1];
    if (flag == "--database") url = value;
    else if (flag == "--threads") threads_count = std::stoi(value);
    else if (flag == "--events") events = std::stoul(value);
    else if (flag == "--seconds") seconds = std::stod(value);
  }
  if (url.empty() || events == 0 || events > 2000000 || seconds <= 0 || seconds > 120) {
    std::fprintf(stderr, "usage: %s --database URL [--threads 16] [--events N<=2e6] [--seconds S<=120]\n", argv[0]);
    return 2;
  }
  auto db = mcp::storage::open_database(mcp::storage::parse_database_url(url));
  mcp::storage::apply_migrations(*db, mcp::storage::embedded_migrations());
  mcp::domain::WebhookSync sync(*db, mcp::domain::RoleMap());
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto deliveries = bench::make_user_updated_deliveries(events, 1000, "raw" + std::to_string(now_ms), now_ms);

  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_count; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        size_t idx = next.fetch_add(1);
        if (idx >= deliveries.size() || std::chrono::steady_clock::now() > deadline) break;
        mcp::domain::Delivery delivery{deliveries[idx].svix_id, deliveries[idx].body, now_ms, std::nullopt};
        sync.deliver(delivery);
        done.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"events\":%zu,\"seconds\":%.3f,\"events_per_s\":%.0f}\n", done.load(), elapsed,
              static_cast<double>(done.load()) / elapsed);
  db->close();
  return 0;
}
