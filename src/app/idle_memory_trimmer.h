#pragma once
// Gives memory back to the system once a burst is over. glibc gives each thread that allocates
// under contention an arena of its own (up to 8 per core); after a burst on 64 request threads,
// the freed memory stays in those arenas and RSS stays at its peak, many times the idle figure
// (tests/bench/README.md "RSS after a burst"). Two causes, two remedies:
// - glibc raises its mmap threshold to the largest block freed (up to 32 MiB) and its trim
//   threshold to twice that: after a few 1 MiB request bodies, each arena keeps megabytes at its
//   top, which malloc_trim does not release for thread arenas. pin_malloc_thresholds() fixes both
//   at glibc's defaults (128 KiB), which also turns the dynamic raising off;
// - free chunks inside the arenas: malloc_trim(0) returns their pages. IdleMemoryTrimmer calls it
//   from one background thread, only when the process has been idle for a while after being busy,
//   so that it never competes with requests for the arenas' locks.
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mcp::app {

// Sets M_MMAP_THRESHOLD and M_TRIM_THRESHOLD to 128 KiB for the whole process (call once, early).
void pin_malloc_thresholds();

class IdleMemoryTrimmer {
 public:
  // Starts the watching thread: every check_interval_ms it reads the process's CPU time; after
  // one interval with less than idle_cpu_ms of it, following any busier interval, it trims once.
  explicit IdleMemoryTrimmer(int check_interval_ms = 1000, int idle_cpu_ms = 20);
  ~IdleMemoryTrimmer();
  IdleMemoryTrimmer(const IdleMemoryTrimmer&) = delete;
  IdleMemoryTrimmer& operator=(const IdleMemoryTrimmer&) = delete;

  // How many times it has trimmed (tests).
  int trims() const;

 private:
  void run();
  const int check_interval_ms_;
  const int idle_cpu_ms_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  int trims_ = 0;
  std::thread thread_;
};

}  // namespace mcp::app
