#include "app/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace mcp::app {

SystemdNotifier SystemdNotifier::from_environment() {
  SystemdNotifier notifier;
  const char* path = std::getenv("NOTIFY_SOCKET");
  // Only a path or an abstract name fits sockaddr_un (vsock addresses are not supported here).
  if (path && (path[0] == '/' || path[0] == '@') && std::strlen(path) < sizeof(sockaddr_un::sun_path)) {
    notifier.socket_path_ = path;
  }
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  // WATCHDOG_PID names the process the watchdog is for; a child that inherited it must not ping.
  bool for_us = !pid || std::strtoll(pid, nullptr, 10) == static_cast<long long>(::getpid());
  if (usec && for_us && notifier.active()) {
    char* end = nullptr;
    long long value = std::strtoll(usec, &end, 10);
    if (end && *end == '\0' && value > 0) notifier.watchdog_timeout_ = std::chrono::microseconds(value);
  }
  return notifier;
}

void SystemdNotifier::notify(std::string_view state) const {
  if (!active()) return;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path_.data(), socket_path_.size());
  if (socket_path_[0] == '@') address.sun_path[0] = '\0';  // abstract namespace: no trailing NUL counted
  auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size() +
                                       (socket_path_[0] == '@' ? 0 : 1));
  (void)::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), length);
  ::close(fd);
}

WatchdogPinger::WatchdogPinger(const SystemdNotifier& notifier, std::function<bool()> healthy)
    : notifier_(notifier), healthy_(std::move(healthy)) {
  if (auto timeout = notifier_.watchdog_timeout()) {
    thread_ = std::thread([this, interval = *timeout / 2] { run(interval); });
  }
}

WatchdogPinger::~WatchdogPinger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WatchdogPinger::run(std::chrono::microseconds interval) {
  bool was_healthy = true;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    bool healthy = healthy_();
    if (healthy) {
      notifier_.notify(was_healthy ? "WATCHDOG=1" : "WATCHDOG=1\nSTATUS=Serving; the database answers again");
    } else if (was_healthy) {
      notifier_.notify("STATUS=The database does not answer: watchdog pings stopped");
    }
    was_healthy = healthy;
    lock.lock();
    wake_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

}  // namespace mcp::app
