#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/worker_pool/submit.hpp"

namespace loadgen::targets {

enum class ShutdownMode : uint8_t {
  // Stop accepting, run everything queued (retries included) and everything running, join.
  kDrain,
  // Stop accepting, report every queued task kCancelled, make stop_requested() true for the
  // running ones, wait for them to return, join.
  kCancel,
};

// One exception thrown by a task, as given to the error logger.
struct TaskFailure {
  TaskId id = 0;
  std::string_view name;
  std::string_view error;  // what() of the exception, or a fixed text for non-std exceptions
  int attempt = 0;         // 1-based run that threw
  int max_attempts = 0;    // 1 + max_retries
  bool will_retry = false;
};

// Called on the worker thread for every exception a task throws. Must not throw.
using TaskErrorLogger = std::function<void(const TaskFailure&)>;

struct PoolOptions {
  // Threads that always run. At least 1.
  size_t min_threads = 1;
  // Above min_threads, extra threads start when the queue backs up and retire after idling.
  size_t max_threads = 1;
  // Queued (not yet running) tasks accepted before submit() applies backpressure; tasks a
  // worker has taken in a batch count until it comes back for more. Retries re-enter the
  // queue regardless, so it may exceed this by at most max_threads.
  size_t queue_capacity = 1024;
  // An extra thread starts when a submit leaves at least this many queued tasks beyond
  // what idle (or just-started) threads will take.
  size_t grow_at_queue_depth = 1;
  // An extra thread idle for this long retires (min_threads never do).
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(1);
  // Dead letters kept for dead_letters(); beyond it the oldest are dropped (and counted).
  size_t dead_letter_capacity = 1000;
  // What the destructor does if shutdown() was not called.
  ShutdownMode on_destroy = ShutdownMode::kDrain;
  // Empty: one line per failure on stderr.
  TaskErrorLogger error_logger;

  // Every problem with these options, each as one sentence; empty when they are usable.
  std::vector<std::string> validate() const;
};

}  // namespace loadgen::targets
