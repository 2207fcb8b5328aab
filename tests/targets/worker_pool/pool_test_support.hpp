#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "targets/worker_pool/worker_pool.hpp"

// Condition-based helpers for the pool's tests: they wait for events, never for time.
namespace loadgen::targets::testing {

using namespace std::chrono_literals;

// Holds tasks until opened (once, for everyone).
class Gate {
 public:
  // Notifies under the lock (here and below): a waiter may destroy the helper as soon as
  // it sees the change.
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Opens a gate when the test's scope ends, even after a failed ASSERT, so that the pool
// declared before it can drain instead of hanging the test.
class GateOpener {
 public:
  explicit GateOpener(Gate& gate) : gate_(gate) {}
  ~GateOpener() { gate_.open(); }
  GateOpener(const GateOpener&) = delete;
  GateOpener& operator=(const GateOpener&) = delete;

 private:
  Gate& gate_;
};

// A count that tests can wait on.
class Counter {
 public:
  void bump() {
    std::lock_guard lock(mutex_);
    ++value_;
    cv_.notify_all();
  }
  // True once the count reaches n; false if it has not within `timeout` (a hung test).
  bool wait_for(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return value_ >= n; });
  }
  size_t value() {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  size_t value_ = 0;
};

// Polls a condition that has no event to wait on (a thread retiring, say).
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 10s) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > give_up) {
      return false;
    }
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A TaskReport whose views have been copied.
struct SeenReport {
  TaskId id = 0;
  TaskOutcome outcome = TaskOutcome::kCompleted;
  int attempts = 0;
  std::string name;
  std::string error;
  std::chrono::nanoseconds queue_wait{0};
  std::chrono::nanoseconds run_time{0};
};

// Collects completion reports from any thread.
class ReportLog {
 public:
  CompletionCallback callback() {
    return [this](const TaskReport& r) {
      std::lock_guard lock(mutex_);
      reports_.push_back({r.id, r.outcome, r.attempts, std::string(r.name), std::string(r.error),
                          r.queue_wait, r.run_time});
      cv_.notify_all();
    };
  }
  bool wait_for(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return reports_.size() >= n; });
  }
  std::vector<SeenReport> reports() {
    std::lock_guard lock(mutex_);
    return reports_;
  }
  size_t count(TaskOutcome outcome) {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& r : reports_) {
      n += r.outcome == outcome ? 1 : 0;
    }
    return n;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<SeenReport> reports_;
};

// Holds a pool thread until opened. Declare it before the pool (so it outlives the pool) and
// a GateOpener after it.
struct Blocker {
  Gate gate;
  Counter started;
};

// Occupies one thread of `pool` with a task that waits for the blocker's gate.
inline void occupy_worker(WorkerPool& pool, Blocker& blocker) {
  ASSERT_TRUE(pool.submit(SubmitMode::reject(),
                          [&blocker] {
                            blocker.started.bump();
                            blocker.gate.wait();
                          })
                  .accepted());
  ASSERT_TRUE(blocker.started.wait_for(1));
}

}  // namespace loadgen::targets::testing
