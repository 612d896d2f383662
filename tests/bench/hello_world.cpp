// Benchmark reference: a bare cpp-httplib server, built from the same header with the same
// compile definitions (httplib_full: CPPHTTPLIB_LISTEN_BACKLOG=1024, OpenSSL support) and the same
// server settings as src/http/server.cpp -- TCP_NODELAY, keep-alive max count raised, keep-alive
// timeout 5 s, a pool with a thread for every kept-alive connection (64, MCP_ADMIN_HTTP_THREADS's
// default) -- answering every GET with a constant JSON body of the same size and shape as
// /api/health's. What mcp-admin does beyond it (router, request id, timestamp, a database round
// trip, the request log line) is what the req/s ratio measures.
//
//   bench_hello_world [--host 127.0.0.1] [--port 0] [--threads 64]
// Prints {"event":"listening","url":"http://127.0.0.1:PORT"} like `mcp-admin serve`; SIGTERM/SIGINT stop it.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

// The shape of mcp-admin's health answer, constant: the same bytes on the wire, none of the work.
constexpr const char* kBody =
    R"({"status":"ok","timestamp":"2024-01-01T00:00:00.000Z","database":{"status":"healthy","connected":true,)"
    R"("backend":"sqlite","latency_ms":0.1},"environment":"development","version":"0.1.0"})";

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "bench_hello_world: %s\nusage: bench_hello_world [--host H] [--port P] [--threads N]\n", why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  int threads = 64;
  for (int idx = 1; idx < argc; ++idx) {
    std::string arg = argv[idx];
    if (idx + 1 >= argc) usage(("missing value for " + arg).c_str());
    if (arg == "--host") host = argv[++idx];
    else if (arg == "--port") port = std::atoi(argv[++idx]);
    else if (arg == "--threads") threads = std::atoi(argv[++idx]);
    else usage(("unknown option " + arg).c_str());
  }
  if (threads < 1 || threads > 4096) usage("--threads must be 1..4096");

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  httplib::Server svr;
  size_t pool_threads = static_cast<size_t>(threads);
  svr.new_task_queue = [pool_threads] { return new httplib::ThreadPool(pool_threads); };
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(5);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_payload_max_length(1024 * 1024);
  svr.Get(".*", [](const httplib::Request&, httplib::Response& res) { res.set_content(kBody, "application/json"); });

  int bound = port == 0 ? svr.bind_to_any_port(host) : (svr.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::fprintf(stderr, "bench_hello_world: cannot listen on %s:%d\n", host.c_str(), port);
    return 1;
  }
  std::thread stopper([&] {
    int received = 0;
    sigwait(&stop_signals, &received);
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    svr.stop();
  });
  std::printf("{\"event\":\"listening\",\"url\":\"http://%s:%d\"}\n", host.c_str(), bound);
  std::fflush(stdout);
  svr.listen_after_bind();
  stopper.join();
  return 0;
}
