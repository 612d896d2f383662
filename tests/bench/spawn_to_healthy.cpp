// Benchmark: how long from spawning `mcp-admin serve --port 0 --database :memory:` to the first
// 200 from GET /api/health -- what a test author pays for "one instance per test".
//
// Each run: posix_spawn the binary with stdout on a pipe (stderr to /dev/null), read the ready
// line {"event":"listening","url":"http://127.0.0.1:PORT"}, connect a raw TCP socket, send
// GET /api/health, stop the clock when the status line "HTTP/1.1 200" has arrived; then SIGTERM
// and reap the server (its shutdown is timed too, outside the measure). The baseline spawns
// /bin/true the same way (pipe on stdout) and times spawn -> EOF -> reaped: the floor that process
// creation alone costs on this machine.
//
//   bench_spawn_to_healthy [--runs N] [--warmup N] [--timeout-ms MS] BINARY [ARG...]
//   bench_spawn_to_healthy --baseline [--runs N] [PROGRAM]      (default /bin/true)
//
// Output: one human line per series, then `key=value` lines (prefix "result.") for scripts.
// Exit 1 when any run fails (no ready line, no 200, timeout): a failed run is never timed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Milliseconds left before the deadline, at least 0, as poll() wants them.
int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

struct SpawnedChild {
  pid_t pid = -1;
  int stdout_fd = -1;
};

// posix_spawn PROGRAM ARGS with stdout on a pipe, stdin and stderr on /dev/null.
SpawnedChild spawn_with_stdout_pipe(const std::vector<std::string>& argv_words) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on fd 1
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (const auto& word : argv_words) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  SpawnedChild child;
  int rc = posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error("posix_spawn " + argv_words[0] + ": " + std::strerror(rc));
  }
  child.stdout_fd = fds[0];
  return child;
}

// Reads from fd until a newline; returns the line without it. Throws on EOF or timeout.
std::string read_line(int fd, Clock::time_point deadline) {
  std::string buffer;
  char chunk[512];
  for (;;) {
    size_t newline = buffer.find('\n');
    if (newline != std::string::npos) return buffer.substr(0, newline);
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, ms_left(deadline));
    if (ready == 0) throw std::runtime_error("no ready line before the timeout");
    if (ready < 0 && errno == EINTR) continue;
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("stdout closed before the ready line (got '" + buffer + "')");
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

// {"event":"listening","url":"http://127.0.0.1:PORT"} -> PORT. Only loopback IPv4 is accepted.
int port_from_ready_line(const std::string& line) {
  const std::string prefix = "\"url\":\"http://127.0.0.1:";
  size_t at = line.find(prefix);
  if (at == std::string::npos) throw std::runtime_error("unexpected ready line: " + line);
  int port = std::atoi(line.c_str() + at + prefix.size());
  if (port <= 0 || port > 65535) throw std::runtime_error("no port in the ready line: " + line);
  return port;
}

// One GET /api/health on a fresh loopback connection; returns the status code from the status line.
int get_health_status(int port, Clock::time_point deadline) {
  int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // The server printed its ready line after bind+listen, so the connect cannot be refused.
  if (connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    close(sock);
    throw std::runtime_error(std::string("connect: ") + std::strerror(err));
  }
  static const char kRequest[] = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (send(sock, kRequest, sizeof kRequest - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof kRequest - 1)) {
    close(sock);
    throw std::runtime_error("short send");
  }
  std::string head;
  char chunk[1024];
  while (head.find("\r\n") == std::string::npos) {
    pollfd pfd{sock, POLLIN, 0};
    int ready = poll(&pfd, 1, ms_left(deadline));
    if (ready == 0) {
      close(sock);
      throw std::runtime_error("no HTTP answer before the timeout");
    }
    if (ready < 0 && errno == EINTR) continue;
    ssize_t n = recv(sock, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(sock);
      throw std::runtime_error("connection closed before a status line");
    }
    head.append(chunk, static_cast<size_t>(n));
  }
  close(sock);
  // "HTTP/1.1 200 OK"
  if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) throw std::runtime_error("not HTTP: " + head.substr(0, 40));
  return std::atoi(head.c_str() + 9);
}

// Waits for pid with a deadline; SIGKILLs it if the deadline passes. Returns the wait status.
int reap(pid_t pid, Clock::time_point deadline, bool* killed) {
  *killed = false;
  for (;;) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (Clock::now() > deadline && !*killed) {
      kill(pid, SIGKILL);
      *killed = true;
    }
    usleep(200);
  }
}

struct ServerRun {
  double ready_ms;    // spawn -> ready line read
  double healthy_ms;  // spawn -> 200 status line read
  double stop_ms;     // SIGTERM -> reaped
};

ServerRun run_server_once(const std::vector<std::string>& argv_words, int timeout_ms) {
  auto start = Clock::now();
  auto deadline = start + std::chrono::milliseconds(timeout_ms);
  SpawnedChild child = spawn_with_stdout_pipe(argv_words);
  ServerRun run{};
  try {
    std::string line = read_line(child.stdout_fd, deadline);
    auto ready_at = Clock::now();
    int status = get_health_status(port_from_ready_line(line), deadline);
    auto healthy_at = Clock::now();
    if (status != 200) throw std::runtime_error("/api/health answered " + std::to_string(status));
    run.ready_ms = ms_between(start, ready_at);
    run.healthy_ms = ms_between(start, healthy_at);
  } catch (...) {
    kill(child.pid, SIGKILL);
    bool killed = false;
    reap(child.pid, Clock::now() + std::chrono::seconds(5), &killed);
    close(child.stdout_fd);
    throw;
  }
  auto stop_start = Clock::now();
  kill(child.pid, SIGTERM);
  bool killed = false;
  int status = reap(child.pid, stop_start + std::chrono::milliseconds(timeout_ms), &killed);
  run.stop_ms = ms_between(stop_start, Clock::now());
  close(child.stdout_fd);
  if (killed) throw std::runtime_error("the server did not exit within the timeout after SIGTERM");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("the server did not exit 0 after SIGTERM (wait status " + std::to_string(status) + ")");
  }
  return run;
}

// Spawn -> stdout EOF -> reaped, for a program that exits by itself.
double run_baseline_once(const std::vector<std::string>& argv_words, int timeout_ms) {
  auto start = Clock::now();
  auto deadline = start + std::chrono::milliseconds(timeout_ms);
  SpawnedChild child = spawn_with_stdout_pipe(argv_words);
  char chunk[512];
  for (;;) {
    pollfd pfd{child.stdout_fd, POLLIN, 0};
    int ready = poll(&pfd, 1, ms_left(deadline));
    if (ready == 0) break;
    ssize_t n = read(child.stdout_fd, chunk, sizeof chunk);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  bool killed = false;
  reap(child.pid, deadline, &killed);
  double elapsed = ms_between(start, Clock::now());
  close(child.stdout_fd);
  if (killed) throw std::runtime_error(argv_words[0] + " did not exit within the timeout");
  return elapsed;
}

// Nearest-rank percentile of an already sorted series.
double percentile(const std::vector<double>& sorted, double pct) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(pct / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  if (n == 0) return 0;
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void report(const std::string& name, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::printf("%-10s n=%zu  min %.2f  median %.2f  p90 %.2f  max %.2f  (ms)\n", name.c_str(), values.size(),
              values.front(), median(values), percentile(values, 90), values.back());
  std::printf("result.%s.n=%zu\nresult.%s.min_ms=%.3f\nresult.%s.median_ms=%.3f\nresult.%s.p90_ms=%.3f\n"
              "result.%s.max_ms=%.3f\n",
              name.c_str(), values.size(), name.c_str(), values.front(), name.c_str(), median(values), name.c_str(),
              percentile(values, 90), name.c_str(), values.back());
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "bench_spawn_to_healthy: %s\n"
               "usage: bench_spawn_to_healthy [--runs N] [--warmup N] [--timeout-ms MS] BINARY [ARG...]\n"
               "       bench_spawn_to_healthy --baseline [--runs N] [PROGRAM]   (default /bin/true)\n"
               "BINARY's arguments default to: serve --port 0 --database :memory:\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 30;
  int warmup = 2;
  int timeout_ms = 10000;
  bool baseline = false;
  std::vector<std::string> command;
  for (int idx = 1; idx < argc; ++idx) {
    std::string arg = argv[idx];
    if (!command.empty()) {
      command.push_back(arg);
    } else if (arg == "--runs" && idx + 1 < argc) {
      runs = std::atoi(argv[++idx]);
    } else if (arg == "--warmup" && idx + 1 < argc) {
      warmup = std::atoi(argv[++idx]);
    } else if (arg == "--timeout-ms" && idx + 1 < argc) {
      timeout_ms = std::atoi(argv[++idx]);
    } else if (arg == "--baseline") {
      baseline = true;
    } else if (arg.rfind("--", 0) == 0) {
      usage(("unknown option " + arg).c_str());
    } else {
      command.push_back(arg);
    }
  }
  // Bounded: a benchmark, not a soak test.
  if (runs < 1 || runs > 1000) usage("--runs must be 1..1000");
  if (warmup < 0 || warmup > 100) usage("--warmup must be 0..100");
  if (timeout_ms < 100 || timeout_ms > 60000) usage("--timeout-ms must be 100..60000");
  if (baseline && command.empty()) command.push_back("/bin/true");
  if (command.empty()) usage("no binary given");
  if (!baseline && command.size() == 1) {
    for (const char* word : {"serve", "--port", "0", "--database", ":memory:"}) command.push_back(word);
  }
  signal(SIGPIPE, SIG_IGN);

  try {
    if (baseline) {
      for (int idx = 0; idx < warmup; ++idx) run_baseline_once(command, timeout_ms);
      std::vector<double> elapsed;
      for (int idx = 0; idx < runs; ++idx) elapsed.push_back(run_baseline_once(command, timeout_ms));
      report("baseline", elapsed);
      return 0;
    }
    for (int idx = 0; idx < warmup; ++idx) run_server_once(command, timeout_ms);
    std::vector<double> ready, healthy, stop;
    for (int idx = 0; idx < runs; ++idx) {
      ServerRun run = run_server_once(command, timeout_ms);
      ready.push_back(run.ready_ms);
      healthy.push_back(run.healthy_ms);
      stop.push_back(run.stop_ms);
    }
    report("ready", ready);
    report("healthy", healthy);
    report("stop", stop);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_spawn_to_healthy: %s\n", e.what());
    return 1;
  }
  return 0;
}
