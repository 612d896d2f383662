#pragma once
// systemd's notification protocol (sd_notify(3)), spoken directly: one datagram of "KEY=value"
// lines to the AF_UNIX socket named by NOTIFY_SOCKET ('@' = Linux abstract namespace). No
// libsystemd, so the static binary keeps no dependency; without NOTIFY_SOCKET everything is a no-op.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace mcp::app {

class SystemdNotifier {
 public:
  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the process environment.
  static SystemdNotifier from_environment();

  // Whether a service manager listens (NOTIFY_SOCKET is set and usable).
  bool active() const { return !socket_path_.empty(); }

  // Sends `state` ("READY=1\nSTATUS=…"). Failures are ignored, as sd_notify's callers do: a
  // manager that went away must not stop the service.
  void notify(std::string_view state) const;

  // How often systemd expects WATCHDOG=1 (WATCHDOG_USEC), when it is meant for this process.
  std::optional<std::chrono::microseconds> watchdog_timeout() const { return watchdog_timeout_; }

 private:
  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_timeout_;
};

// Sends WATCHDOG=1 every half timeout while `healthy()` (a database round trip) says yes; when it
// says no, it sends nothing (systemd then restarts the service after the timeout) and a STATUS line
// saying why. Stops (and joins) on destruction.
class WatchdogPinger {
 public:
  WatchdogPinger(const SystemdNotifier& notifier, std::function<bool()> healthy);
  ~WatchdogPinger();
  WatchdogPinger(const WatchdogPinger&) = delete;
  WatchdogPinger& operator=(const WatchdogPinger&) = delete;

 private:
  void run(std::chrono::microseconds interval);

  const SystemdNotifier& notifier_;
  std::function<bool()> healthy_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mcp::app
