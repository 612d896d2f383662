#pragma once
// The listening socket: bound here from --host/--port, or handed over by systemd's socket
// activation (LISTEN_PID is this process and LISTEN_FDS ≥ 1: fd 3, already bound and listening).
#include <string>

namespace mcp::http {

struct Listener {
  int fd = -1;
  std::string host;  // the address it listens on, as text ("127.0.0.1", "::")
  int port = 0;
  bool activated = false;  // inherited from systemd (or any parent speaking LISTEN_FDS)
};

// Throws std::runtime_error with the reason (port in use, address not this machine's, …).
Listener open_listener(const std::string& host, int port);

// fd 3 when the environment passes a listening socket to this process, with LISTEN_* unset
// afterwards (so children do not inherit them); fd -1 otherwise.
Listener inherited_listener();

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
long raise_open_file_limit();

}  // namespace mcp::http
