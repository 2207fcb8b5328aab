#pragma once

#include <cstddef>
#include <cstdint>

#include "harness/metrics/histogram.hpp"

namespace loadgen::targets {

// A snapshot of a batcher. Once it is idle (after flush() or close()):
//   items_added == items_written + items_failed.
struct BatcherStats {
  uint64_t items_added = 0;           // accepted by add()
  uint64_t items_rejected = 0;        // add() calls that returned anything but kAccepted
  uint64_t items_written = 0;         // in batches the sink accepted
  uint64_t items_failed = 0;          // in batches that failed every attempt
  uint64_t failed_items_dropped = 0;  // failed items no longer kept (capacity)

  uint64_t batches_by_size = 0;     // flushed because max_batch_items were waiting
  uint64_t batches_by_age = 0;      // flushed because the oldest item reached max_age
  uint64_t batches_by_request = 0;  // flushed early by flush() or close()
  uint64_t batches_failed = 0;      // batches whose items were reported failed
  uint64_t write_attempts = 0;      // sink calls, counted as they return
  uint64_t retries = 0;             // failed sink calls that will be tried again

  size_t buffered = 0;      // waiting now (not counting a batch being written)
  size_t blocked_adds = 0;  // add() calls waiting for room now

  // Nanoseconds per sink call (each attempt, failed or not), since the batcher started.
  metrics::Histogram flush_time_ns = metrics::Histogram::for_latency_ns();
};

}  // namespace loadgen::targets
