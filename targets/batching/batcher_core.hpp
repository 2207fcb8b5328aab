#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "harness/metrics/histogram.hpp"
#include "targets/batching/add_mode.hpp"
#include "targets/batching/batcher_options.hpp"
#include "targets/batching/batcher_stats.hpp"
#include "targets/batching/sink_result.hpp"

namespace loadgen::targets::detail {

// Everything about batching that does not depend on the item type, compiled once: admission
// and backpressure, the flusher thread and its size/age/request triggers, retries with
// backoff, counters and the flush-time histogram. Batcher<Item> adds the typed buffer.
class BatcherCore {
 public:
  BatcherCore(const BatcherCore&) = delete;
  BatcherCore& operator=(const BatcherCore&) = delete;

  // Writes everything added before the call without waiting for size or age, and returns
  // once those items are written or reported failed. Must not be called from the sink or
  // the failure callback (checked).
  void flush();
  // Stops accepting (add() calls blocked for room return kClosed), writes everything
  // buffered (retrying as configured), and joins the flusher: nothing accepted is lost.
  // Idempotent; several threads may call it, each returns once it is done.
  void close();
  // Counters and the flush-time histogram; safe from any thread at any time.
  BatcherStats stats() const;

 protected:
  using Clock = std::chrono::steady_clock;

  // Throws std::invalid_argument naming every problem options.validate() finds.
  explicit BatcherCore(BatcherOptions options);
  // The derived class must have called close() (checked): the flusher calls its overrides.
  virtual ~BatcherCore();

  // Starts the flusher; the derived constructor calls it last, once its members exist.
  // Throws std::system_error if the thread cannot start.
  void start();
  const BatcherOptions& options() const noexcept { return options_; }

  // Waits for room per `mode`, then runs push() (which buffers the item) under the lock.
  template <typename Push>
  AddStatus admit(const AddMode& mode, Push&& push) {
    std::unique_lock lock(mutex_);
    const AddStatus status = reserve(lock, mode);
    if (status != AddStatus::kAccepted) {
      return status;
    }
    added_at_.push_back(Clock::now());
    try {
      push();
    } catch (...) {
      added_at_.pop_back();
      throw;
    }
    accepted(lock);
    return status;
  }

  // The typed side. Each is called on the flusher thread only.
  // With the lock held: moves the `count` oldest buffered items into the batch.
  virtual void take_locked(size_t count) = 0;
  // Writes the batch. May throw (counted as a failed attempt).
  virtual SinkResult write_batch() = 0;
  // Tells the failure callback about the batch. May throw (logged to stderr).
  virtual void notify_failed(const std::string& error, int attempts) = 0;
  // Keeps the batch's items as failed items; returns how many older ones were dropped.
  virtual size_t keep_failed(const std::string& error, int attempts) = 0;
  virtual void clear_batch() noexcept = 0;

 private:
  enum class Reason : uint8_t { kSize, kAge, kRequest };

  AddStatus reserve(std::unique_lock<std::mutex>& lock, const AddMode& mode);
  void accepted(std::unique_lock<std::mutex>& lock);
  void run_flusher();
  std::optional<Reason> wait_for_batch(std::unique_lock<std::mutex>& lock);
  void write_with_retries(size_t count);
  SinkResult attempt_write();
  size_t report_failure(const std::string& error, int attempts);
  std::chrono::nanoseconds backoff_after(int failed_attempts) const;
  void record_flush_time(Clock::duration took);
  void count_attempt(bool will_retry);
  void settle(size_t count, bool written, size_t dropped);

  const BatcherOptions options_;

  // One record per sink call, so a plain histogram under its own lock is cheap, and stats()
  // copying it never holds up add(). (Not metrics::IntervalRecorder: its relaxed load of
  // the active histogram races with swap_interval(); see worker_pool/slot_recorder.hpp.)
  mutable std::mutex stats_mutex_;
  metrics::Histogram flush_time_;

  mutable std::mutex mutex_;
  std::condition_variable flusher_cv_;      // the flusher waits for size, age or a request
  std::condition_variable room_cv_;         // blocked add() calls wait for room
  std::condition_variable done_cv_;         // flush() and late close() callers wait for progress
  std::deque<Clock::time_point> added_at_;  // one per buffered item, oldest first
  std::thread flusher_;
  bool closing_ = false;
  bool joined_ = false;
  uint64_t admitted_ = 0;     // items ever accepted
  uint64_t taken_ = 0;        // items ever moved into a batch
  uint64_t done_ = 0;         // items ever written or reported failed
  uint64_t flush_up_to_ = 0;  // flush() asked for every item admitted before this count
  size_t blocked_adds_ = 0;

  uint64_t items_rejected_ = 0;
  uint64_t items_written_ = 0;
  uint64_t items_failed_ = 0;
  uint64_t failed_dropped_ = 0;
  uint64_t batches_by_size_ = 0;
  uint64_t batches_by_age_ = 0;
  uint64_t batches_by_request_ = 0;
  uint64_t batches_failed_ = 0;
  uint64_t write_attempts_ = 0;
  uint64_t retries_ = 0;
};

}  // namespace loadgen::targets::detail
