#include "app/idle_memory_trimmer.h"

#include <malloc.h>
#include <time.h>

#include <chrono>

namespace mcp::app {

namespace {
double process_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}
}  // namespace

void pin_malloc_thresholds() {
  constexpr int kThresholdBytes = 128 * 1024;
  mallopt(M_MMAP_THRESHOLD, kThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kThresholdBytes);
}

IdleMemoryTrimmer::IdleMemoryTrimmer(int check_interval_ms, int idle_cpu_ms)
    : check_interval_ms_(check_interval_ms), idle_cpu_ms_(idle_cpu_ms), thread_([this] { run(); }) {}

IdleMemoryTrimmer::~IdleMemoryTrimmer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int IdleMemoryTrimmer::trims() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return trims_;
}

void IdleMemoryTrimmer::run() {
  double last_cpu_ms = process_cpu_ms();
  bool busy_since_trim = false;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(check_interval_ms_), [this] { return stopping_; })) {
    double cpu_ms = process_cpu_ms();
    double used_ms = cpu_ms - last_cpu_ms;
    last_cpu_ms = cpu_ms;
    if (used_ms >= idle_cpu_ms_) {
      busy_since_trim = true;
      continue;
    }
    if (!busy_since_trim) continue;
    busy_since_trim = false;
    lock.unlock();
    malloc_trim(0);
    // The trim's own CPU time must not count as the next interval's activity.
    last_cpu_ms = process_cpu_ms();
    lock.lock();
    ++trims_;
  }
}

}  // namespace mcp::app
