#include "http/listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace mcp::http {

namespace {

constexpr int kBacklog = 1024;

void describe_local(int fd, Listener& listener) {
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (local.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&local);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    listener.port = ntohs(in->sin_port);
  } else if (local.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&local);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    listener.port = ntohs(in6->sin6_port);
  }
  listener.host = text;
}

void make_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

}  // namespace

Listener open_listener(const std::string& host, int port) {
  std::string failure = "cannot listen on " + host + ":" + std::to_string(port) +
                        " (is the port in use, or the address not one of this machine's? try --port 0)";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0 || !found) throw std::runtime_error(failure);
  int fd = -1;
  for (addrinfo* candidate = found; candidate && fd < 0; candidate = candidate->ai_next) {
    fd = ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, candidate->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR for a quick restart; never SO_REUSEPORT, which would let a second `serve`
    // on the same port start and silently take half the connections.
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, candidate->ai_addr, candidate->ai_addrlen) != 0 || ::listen(fd, kBacklog) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) throw std::runtime_error(failure);
  Listener listener;
  listener.fd = fd;
  describe_local(fd, listener);
  listener.host = host;
  return listener;
}

Listener inherited_listener() {
  Listener listener;
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  if (!pid || !fds || std::atol(pid) != static_cast<long>(::getpid()) || std::atoi(fds) < 1) return listener;
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  constexpr int kFirstPassedFd = 3;  // SD_LISTEN_FDS_START
  int listening = 0;
  socklen_t length = sizeof listening;
  if (::getsockopt(kFirstPassedFd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening) {
    throw std::runtime_error("LISTEN_FDS is set for this process but fd 3 is not a listening socket");
  }
  make_nonblocking(kFirstPassedFd);
  listener.fd = kFirstPassedFd;
  listener.activated = true;
  describe_local(kFirstPassedFd, listener);
  return listener;
}

long raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long>(limit.rlim_cur);
}

}  // namespace mcp::http
