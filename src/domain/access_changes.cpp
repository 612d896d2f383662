#include "domain/access_changes.h"

#include <atomic>

namespace mcp::domain {

namespace {
std::atomic<AccessChangeListener> g_listener{nullptr};
}  // namespace

void listen_for_access_changes(AccessChangeListener listener) { g_listener.store(listener, std::memory_order_release); }

void announce_access_change() {
  if (AccessChangeListener listener = g_listener.load(std::memory_order_acquire)) listener();
}

}  // namespace mcp::domain
