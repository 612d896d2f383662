#include "http/front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "http/metrics.h"
#include "http/tls_context.h"
#include "http/worker_pool.h"
#include "util/log.h"

namespace mcp::http {

namespace {

using Clock = std::chrono::steady_clock;

// What a refused request's unread remainder may still cost before the connection is closed: the
// answer is sent, the sending side shut down, and the rest read and dropped (so the client reads
// the answer instead of a reset), for this long or this many bytes. The bytes bound is generous:
// dropping costs only bandwidth, and at 2 MiB a client still writing a 3 MiB webhook body got a
// reset (EPIPE) instead of its 413 (tests/interop/bad_input.test.mjs, under load).
constexpr std::chrono::milliseconds kLingerTimeout{2'000};
constexpr size_t kLingerBytes = 16 * 1024 * 1024;
constexpr std::chrono::milliseconds kSweepInterval{250};
constexpr int kReadRoundsPerEvent = 16;  // then other connections get their turn
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

enum class Phase { Handshake, Reading, Busy, Writing, Lingering, Closed };
enum class Io { Ok, WantRead, WantWrite, Eof, Error };

struct Connection {
  explicit Connection(const ReaderLimits& limits) : reader(limits) {}
  int fd = -1;
  SSL* ssl = nullptr;
  Phase phase = Phase::Reading;
  RequestReader reader;
  std::string out;  // an answer not yet all written
  size_t out_sent = 0;
  bool close_after_write = false;
  bool linger_after_write = false;  // a refusal: unread bytes may follow
  Io write_status = Io::Ok;         // set by the worker: where its write stopped
  bool body_deadline_set = false;
  Clock::time_point deadline;
  size_t lingered = 0;
  std::string remote_addr;
  int remote_port = 0;
};

Io classify_tls(SSL* ssl, int result) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ: return Io::WantRead;
    case SSL_ERROR_WANT_WRITE: return Io::WantWrite;
    case SSL_ERROR_ZERO_RETURN: return Io::Eof;
    default: ERR_clear_error(); return Io::Error;
  }
}

Io read_some(Connection& conn, char* buffer, size_t size, size_t& got) {
  if (conn.ssl) {
    ERR_clear_error();
    int n = SSL_read(conn.ssl, buffer, static_cast<int>(size));
    if (n > 0) {
      got = static_cast<size_t>(n);
      return Io::Ok;
    }
    return classify_tls(conn.ssl, n);
  }
  for (;;) {
    ssize_t n = ::recv(conn.fd, buffer, size, 0);
    if (n > 0) {
      got = static_cast<size_t>(n);
      return Io::Ok;
    }
    if (n == 0) return Io::Eof;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? Io::WantRead : Io::Error;
  }
}

Io write_some(Connection& conn, const char* data, size_t size, size_t& put) {
  if (conn.ssl) {
    ERR_clear_error();
    int n = SSL_write(conn.ssl, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) {
      put = static_cast<size_t>(n);
      return Io::Ok;
    }
    return classify_tls(conn.ssl, n);
  }
  for (;;) {
    ssize_t n = ::send(conn.fd, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
      put = static_cast<size_t>(n);
      return Io::Ok;
    }
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? Io::WantWrite : Io::Error;
  }
}

// Writes conn.out until done (Ok) or the socket would block.
Io flush(Connection& conn) {
  while (conn.out_sent < conn.out.size()) {
    size_t put = 0;
    Io status = write_some(conn, conn.out.data() + conn.out_sent, conn.out.size() - conn.out_sent, put);
    if (status != Io::Ok) return status;
    conn.out_sent += put;
  }
  conn.out.clear();
  conn.out.shrink_to_fit();  // an idle connection keeps no answer-sized buffer
  conn.out_sent = 0;
  return Io::Ok;
}

void peer_of(const sockaddr_storage& addr, std::string& text, int& port) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, buffer, sizeof buffer);
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, buffer, sizeof buffer);
    port = ntohs(in6->sin6_port);
  }
  text = buffer;
}

}  // namespace

std::string serialize_response(const Response& res, bool head_request, bool keep_alive) {
  bool has_body = !(res.status < 200 || res.status == 204 || res.status == 304);
  std::string out;
  out.reserve(256 + (head_request || !has_body ? 0 : res.body.size()));
  out.append("HTTP/1.1 ").append(std::to_string(res.status)).append(" ").append(status_reason(res.status)).append("\r\n");
  for (const auto& [name, value] : res.headers) {
    CaseInsensitiveLess less;
    auto same = [&](std::string_view other) { return !less(name, other) && !less(other, name); };
    if (same("Content-Length") || same("Connection") || same("Transfer-Encoding")) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (has_body) out.append("Content-Length: ").append(std::to_string(res.body.size())).append("\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  if (has_body && !head_request) out.append(res.body);
  return out;
}

struct Front::Impl {
  Impl(int listen, FrontLimits lim, TlsContext* tls_context, RequestHandler on_request, RefusalHandler on_refusal)
      : listen_fd(listen), limits(lim), tls(tls_context), handler(std::move(on_request)),
        refusal(std::move(on_refusal)), pool(lim.worker_threads) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (epoll_fd < 0 || wake_fd < 0) throw std::runtime_error("cannot set up the connection loop (epoll, eventfd)");
    epoll_event listen_event{};
    listen_event.events = EPOLLIN;
    listen_event.data.ptr = &listen_tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &listen_event);
    epoll_event wake_event{};
    wake_event.events = EPOLLIN;
    wake_event.data.ptr = &wake_tag;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &wake_event);
  }

  ~Impl() {
    pool.shutdown();
    for (auto& [raw, conn] : connections) {
      if (conn->ssl) SSL_free(conn->ssl);
      ::close(conn->fd);
    }
    if (listen_fd >= 0) ::close(listen_fd);
    if (reserve_fd >= 0) ::close(reserve_fd);
    ::close(wake_fd);
    ::close(epoll_fd);
  }

  void run();
  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = ::write(wake_fd, &one, sizeof one);
  }

  void accept_all();
  void refuse_at_accept(int fd);
  void on_event(Connection& conn);
  void do_handshake(Connection& conn);
  void do_read(Connection& conn);
  bool process_buffered(Connection& conn);
  void dispatch(Connection& conn);
  void serve_on_worker(Connection* conn, ReadRequest request);
  void take_returned();
  void after_write_status(Connection& conn, Io status);
  void after_write(Connection& conn);
  void refuse(Connection& conn, int status, const std::string& detail);
  void do_linger(Connection& conn);
  void begin_stop();
  void sweep(Clock::time_point now);
  void arm(Connection& conn, uint32_t events);
  void close(Connection& conn);
  void set_deadline(Connection& conn, std::chrono::milliseconds timeout) { conn.deadline = Clock::now() + timeout; }

  int listen_fd;
  FrontLimits limits;
  TlsContext* tls;
  RequestHandler handler;
  RefusalHandler refusal;
  WorkerPool pool;
  int epoll_fd = -1;
  int wake_fd = -1;
  int reserve_fd = -1;  // given up to accept (and refuse) one connection when out of descriptors
  char listen_tag = 0;
  char wake_tag = 0;
  std::atomic<bool> stopping{false};
  bool stop_seen = false;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections;
  std::vector<std::unique_ptr<Connection>> closed;  // freed after the event batch that closed them
  std::mutex returned_mutex;
  std::vector<Connection*> returned;  // given back by workers
  std::array<char, 64 * 1024> read_buffer{};
  Clock::time_point last_full_warning{};
};

void Front::Impl::arm(Connection& conn, uint32_t events) {
  epoll_event event{};
  event.events = events | EPOLLONESHOT;
  event.data.ptr = &conn;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, conn.fd, &event);
}

void Front::Impl::close(Connection& conn) {
  if (conn.phase == Phase::Closed) return;
  conn.phase = Phase::Closed;
  if (conn.ssl) {
    SSL_free(conn.ssl);
    conn.ssl = nullptr;
  }
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, conn.fd, nullptr);
  ::close(conn.fd);
  record_connection_closed();
  auto found = connections.find(&conn);
  if (found != connections.end()) {
    closed.push_back(std::move(found->second));
    connections.erase(found);
  }
}

void Front::Impl::run() {
  std::array<epoll_event, 256> events;
  Clock::time_point last_sweep = Clock::now();
  while (!(stop_seen && connections.empty())) {
    int count = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(kSweepInterval.count()));
    if (count < 0 && errno != EINTR) throw std::runtime_error("epoll_wait failed");
    for (int idx = 0; idx < count; ++idx) {
      void* tag = events[static_cast<size_t>(idx)].data.ptr;
      if (tag == &listen_tag) {
        accept_all();
      } else if (tag == &wake_tag) {
        uint64_t counter = 0;
        [[maybe_unused]] ssize_t ignored = ::read(wake_fd, &counter, sizeof counter);
      } else {
        on_event(*static_cast<Connection*>(tag));
      }
    }
    take_returned();
    if (stopping.load() && !stop_seen) begin_stop();
    Clock::time_point now = Clock::now();
    if (now - last_sweep >= kSweepInterval) {
      sweep(now);
      last_sweep = now;
    }
    closed.clear();
  }
  pool.shutdown();
}

void Front::Impl::accept_all() {
  for (int round = 0; round < 256; ++round) {
    sockaddr_storage addr{};
    socklen_t length = sizeof addr;
    int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd >= 0) {
        // Out of descriptors: the listener would stay readable and spin. Accept with the reserve
        // descriptor and refuse, so the client hears why.
        ::close(reserve_fd);
        reserve_fd = -1;
        int spare = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (spare >= 0) refuse_at_accept(spare);
        reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return;  // EAGAIN: all accepted
    }
    if (connections.size() >= limits.max_connections) {
      refuse_at_accept(fd);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  // else Nagle + delayed ACK: ~40 ms
    auto owned = std::make_unique<Connection>(limits.reader);
    Connection& conn = *owned;
    conn.fd = fd;
    peer_of(addr, conn.remote_addr, conn.remote_port);
    if (tls) {
      conn.ssl = tls->new_session(fd);
      if (!conn.ssl) {
        ::close(fd);
        continue;
      }
      conn.phase = Phase::Handshake;
    }
    set_deadline(conn, limits.header_timeout);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.ptr = &conn;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
      if (conn.ssl) SSL_free(conn.ssl);
      ::close(fd);
      continue;
    }
    record_connection_opened();
    connections.emplace(&conn, std::move(owned));
  }
}

void Front::Impl::refuse_at_accept(int fd) {
  record_connection_refused();
  Clock::time_point now = Clock::now();
  bool log = now - last_full_warning > std::chrono::seconds(10);
  if (log) last_full_warning = now;
  // Over TLS nothing can be said before a handshake; plain HTTP gets a 503 problem.
  if (!tls) {
    Response res;
    refusal(503,
            "The server holds its maximum of " + std::to_string(limits.max_connections) +
                " connections (--max-connections); try again shortly.",
            "", log, res);
    res.set_header("Retry-After", "1");
    std::string bytes = serialize_response(res, false, false);
    [[maybe_unused]] ssize_t ignored = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
  } else if (log) {
    util::log_warn("connection refused", {{"reason", "max connections open"},
                                          {"max_connections", static_cast<int64_t>(limits.max_connections)}});
  }
  ::close(fd);
}

void Front::Impl::on_event(Connection& conn) {
  switch (conn.phase) {
    case Phase::Handshake: do_handshake(conn); break;
    case Phase::Reading: do_read(conn); break;
    case Phase::Writing: after_write_status(conn, flush(conn)); break;
    case Phase::Lingering: do_linger(conn); break;
    case Phase::Busy:
    case Phase::Closed: break;  // one-shot: no events while a worker holds it
  }
}

void Front::Impl::do_handshake(Connection& conn) {
  ERR_clear_error();
  int result = SSL_do_handshake(conn.ssl);
  if (result == 1) {
    conn.phase = Phase::Reading;
    do_read(conn);
    return;
  }
  switch (classify_tls(conn.ssl, result)) {
    case Io::WantRead: arm(conn, EPOLLIN); return;
    case Io::WantWrite: arm(conn, EPOLLOUT); return;
    default: close(conn); return;  // not TLS, or a certificate the client refused: its business
  }
}

void Front::Impl::do_read(Connection& conn) {
  for (int round = 0; round < kReadRoundsPerEvent; ++round) {
    size_t got = 0;
    switch (read_some(conn, read_buffer.data(), read_buffer.size(), got)) {
      case Io::Ok: break;
      case Io::WantRead: arm(conn, EPOLLIN); return;
      case Io::WantWrite: arm(conn, EPOLLOUT); return;
      case Io::Eof:
      case Io::Error: close(conn); return;
    }
    bool was_started = conn.reader.started();
    conn.reader.append(std::string_view(read_buffer.data(), got));
    if (!was_started) set_deadline(conn, limits.header_timeout);  // the request's first byte
    if (process_buffered(conn)) return;
  }
  arm(conn, EPOLLIN);  // more may be waiting: level-triggered, it fires again at once
}

// Parses what the connection has buffered; true when it took the connection over (dispatched to a
// worker, refused or closed), false when more bytes are needed.
bool Front::Impl::process_buffered(Connection& conn) {
  RequestReader::State state = conn.reader.parse();
  if (conn.reader.header_done() && !conn.body_deadline_set) {
    conn.body_deadline_set = true;
    set_deadline(conn, limits.body_timeout);
  }
  if (state == RequestReader::State::NeedMore && conn.reader.take_continue_request()) {
    // 25 bytes on a socket that has sent nothing yet: they fit, or the client is gone.
    size_t put = 0;
    if (write_some(conn, kContinue.data(), kContinue.size(), put) != Io::Ok || put != kContinue.size()) {
      close(conn);
      return true;
    }
  }
  switch (state) {
    case RequestReader::State::Ready: dispatch(conn); return true;
    case RequestReader::State::Failed: refuse(conn, conn.reader.error().status, conn.reader.error().detail); return true;
    case RequestReader::State::NeedMore: return false;
  }
  return false;
}

void Front::Impl::dispatch(Connection& conn) {
  ReadRequest request = conn.reader.take();
  request.request.remote_addr = conn.remote_addr;
  request.request.remote_port = conn.remote_port;
  conn.phase = Phase::Busy;
  conn.body_deadline_set = false;
  Connection* raw = &conn;
  pool.submit([this, raw, request = std::move(request)]() mutable { serve_on_worker(raw, std::move(request)); });
}

// On a worker thread, which owns the connection until it gives it back.
void Front::Impl::serve_on_worker(Connection* conn, ReadRequest request) {
  Response res;
  bool head = request.request.method == "HEAD";
  handler(request.request, res);
  bool keep_alive = request.keep_alive && !stopping.load();
  conn->out = serialize_response(res, head, keep_alive);
  conn->out_sent = 0;
  conn->close_after_write = !keep_alive;
  conn->write_status = flush(*conn);
  {
    std::lock_guard lock(returned_mutex);
    returned.push_back(conn);
  }
  wake();
}

void Front::Impl::take_returned() {
  std::vector<Connection*> batch;
  {
    std::lock_guard lock(returned_mutex);
    batch.swap(returned);
  }
  for (Connection* conn : batch) after_write_status(*conn, conn->write_status);
}

void Front::Impl::after_write_status(Connection& conn, Io status) {
  switch (status) {
    case Io::Ok: after_write(conn); return;
    case Io::WantRead:
    case Io::WantWrite:
      if (conn.phase != Phase::Writing) {
        conn.phase = Phase::Writing;
        set_deadline(conn, limits.write_timeout);
      }
      arm(conn, status == Io::WantRead ? EPOLLIN : EPOLLOUT);
      return;
    case Io::Eof:
    case Io::Error: close(conn); return;
  }
}

void Front::Impl::after_write(Connection& conn) {
  if (conn.linger_after_write && !stopping.load() && !conn.ssl) {
    // The client may still be sending what was refused: closing with unread bytes would reset the
    // connection, and the client could lose the answer.
    ::shutdown(conn.fd, SHUT_WR);
    conn.phase = Phase::Lingering;
    set_deadline(conn, kLingerTimeout);
    do_linger(conn);
    return;
  }
  if (conn.close_after_write || stopping.load()) {
    if (conn.ssl) SSL_shutdown(conn.ssl);
    close(conn);
    return;
  }
  conn.phase = Phase::Reading;
  set_deadline(conn, conn.reader.started() ? limits.header_timeout : limits.idle_timeout);
  if (process_buffered(conn)) return;  // a pipelined request already here
  do_read(conn);                       // also drains what TLS has buffered, which epoll cannot see
}

void Front::Impl::refuse(Connection& conn, int status, const std::string& detail) {
  Response res;
  refusal(status, detail, conn.remote_addr, true, res);
  conn.out = serialize_response(res, false, false);
  conn.out_sent = 0;
  conn.close_after_write = true;
  conn.linger_after_write = status != 408;
  conn.phase = Phase::Writing;
  set_deadline(conn, limits.write_timeout);
  after_write_status(conn, flush(conn));
}

void Front::Impl::do_linger(Connection& conn) {
  for (;;) {
    size_t got = 0;
    switch (read_some(conn, read_buffer.data(), read_buffer.size(), got)) {
      case Io::Ok:
        conn.lingered += got;
        if (conn.lingered > kLingerBytes) {
          close(conn);
          return;
        }
        continue;
      case Io::WantRead: arm(conn, EPOLLIN); return;
      default: close(conn); return;
    }
  }
}

void Front::Impl::begin_stop() {
  stop_seen = true;
  if (listen_fd >= 0) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
    ::close(listen_fd);
    listen_fd = -1;
  }
  // Connections between requests close now; requests already started are read and answered
  // (within their deadlines), then their connections close.
  std::vector<Connection*> idle;
  for (auto& [raw, conn] : connections) {
    bool waiting = (conn->phase == Phase::Reading && !conn->reader.started()) || conn->phase == Phase::Handshake ||
                   conn->phase == Phase::Lingering;
    if (waiting) idle.push_back(raw);
  }
  for (Connection* conn : idle) close(*conn);
}

void Front::Impl::sweep(Clock::time_point now) {
  std::vector<Connection*> expired;
  for (auto& [raw, conn] : connections) {
    if (conn->phase != Phase::Busy && now >= conn->deadline) expired.push_back(raw);
  }
  for (Connection* conn : expired) {
    if (conn->phase != Phase::Lingering) record_connection_timed_out();
    if (conn->phase == Phase::Reading && conn->reader.started()) {
      // A request begun and never finished: say so once, without waiting for the client to read.
      Response res;
      refusal(408,
              conn->reader.header_done() ? "The request body did not arrive in time."
                                         : "The request header did not arrive in time.",
              conn->remote_addr, true, res);
      conn->out = serialize_response(res, false, false);
      conn->out_sent = 0;
      flush(*conn);
    }
    close(*conn);
  }
}

Front::Front(int listen_fd, FrontLimits limits, TlsContext* tls, RequestHandler handler, RefusalHandler refusal)
    : impl_(std::make_unique<Impl>(listen_fd, limits, tls, std::move(handler), std::move(refusal))) {}

Front::~Front() = default;

void Front::run() { impl_->run(); }

void Front::stop() {
  impl_->stopping = true;
  impl_->wake();
}

}  // namespace mcp::http
