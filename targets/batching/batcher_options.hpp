#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace loadgen::targets {

struct BatcherOptions {
  // A batch is written as soon as this many items wait...
  size_t max_batch_items = 100;
  // ...or once the oldest waiting item is this old, whichever comes first.
  std::chrono::nanoseconds max_age = std::chrono::milliseconds(50);
  // Items waiting to be written before add() applies backpressure. The batch being written
  // is not counted, so at most capacity + max_batch_items items are held. At least
  // max_batch_items, or batches could never fill.
  size_t capacity = 10'000;
  // Writes of one batch before its items are reported failed (1 = no retry).
  int max_attempts = 3;
  // Pause before the second attempt; doubles for each further one, up to max_retry_backoff.
  std::chrono::nanoseconds retry_backoff = std::chrono::milliseconds(10);
  std::chrono::nanoseconds max_retry_backoff = std::chrono::seconds(1);
  // Failed items kept for failed_items(); beyond it the oldest are dropped (and counted).
  // The failure callback sees every one regardless.
  size_t failed_items_capacity = 10'000;

  // Every problem with these options, each as one sentence; empty when they are usable.
  std::vector<std::string> validate() const;
};

}  // namespace loadgen::targets
