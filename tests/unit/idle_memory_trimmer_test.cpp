// The idle memory trimmer (src/app/idle_memory_trimmer.*): trims once after a busy interval that
// is followed by an idle one, never while busy, never twice for one burst. What it gives back is
// measured in tests/bench/README.md ("RSS after a burst"), not asserted here.
#include <doctest/doctest.h>
#include <time.h>

#include <chrono>
#include <thread>

#include "app/idle_memory_trimmer.h"

namespace {
// Spins on the CPU for `ms` milliseconds of process CPU time.
void burn_cpu(int ms) {
  timespec start{}, now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
  volatile unsigned sink = 0;
  do {
    for (int idx = 0; idx < 10000; ++idx) sink = sink + static_cast<unsigned>(idx);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

// Waits up to two seconds for the trimmer to have trimmed `count` times.
bool trims_reach(const mcp::app::IdleMemoryTrimmer& trimmer, int count) {
  for (int waited = 0; waited < 2000 && trimmer.trims() < count; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return trimmer.trims() >= count;
}
}  // namespace

TEST_CASE("idle memory trimmer: no trim while nothing happened, a trim after a burst, none while idle") {
  mcp::app::IdleMemoryTrimmer trimmer(50, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(trimmer.trims() == 0);
  burn_cpu(150);
  CHECK(trims_reach(trimmer, 1));
  // Idle: no trim after the one that followed the burst. (How many trims one burst gives depends
  // on how much CPU a starved machine lets it have per interval; one while idle is a bug.)
  int after_burst = trimmer.trims();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(trimmer.trims() == after_burst);
  burn_cpu(150);
  CHECK(trims_reach(trimmer, after_burst + 1));
}
