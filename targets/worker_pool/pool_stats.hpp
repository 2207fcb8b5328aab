#pragma once

#include <cstddef>
#include <cstdint>

#include "harness/metrics/histogram.hpp"

namespace loadgen::targets {

// A snapshot of a pool. Each counter is exact but they are read one after another, so a
// snapshot taken while tasks run is not one instant; outcomes are read before submitted, so
// completed + failed outcomes never exceed submitted. Once the pool is idle:
//   submitted == completed + timed_out + cancelled + dead_lettered.
struct PoolStats {
  uint64_t submitted = 0;             // accepted by submit()
  uint64_t rejected = 0;              // submit() calls that returned anything but kAccepted
  uint64_t completed = 0;             // tasks that ended kCompleted
  uint64_t failed = 0;                // runs that threw (a task retried twice and lost counts 3)
  uint64_t timed_out = 0;             // tasks that ended kTimedOut
  uint64_t retried = 0;               // re-queued runs
  uint64_t dead_lettered = 0;         // tasks that ended kFailed
  uint64_t cancelled = 0;             // tasks that ended kCancelled
  uint64_t dead_letters_dropped = 0;  // dead letters no longer kept (capacity)

  size_t queued = 0;              // waiting now (in the queue, or taken in a worker's batch)
  size_t threads = 0;             // alive now
  size_t idle_threads = 0;        // waiting for work now
  size_t peak_threads = 0;        // most alive at once
  size_t blocked_submitters = 0;  // submit() calls waiting for room now

  // Since the pool started, in nanoseconds, one value per run that started: how long it
  // waited in the queue, and how long it ran.
  metrics::Histogram queue_wait_ns = metrics::Histogram::for_latency_ns();
  metrics::Histogram run_time_ns = metrics::Histogram::for_latency_ns();
};

}  // namespace loadgen::targets
