#include "targets/batching/batcher_core.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "harness/core/check.hpp"

namespace loadgen::targets::detail {
namespace {

// Set on the flusher thread, so flush() and close() can refuse to wait for themselves.
thread_local const BatcherCore* tls_flushing = nullptr;

BatcherOptions checked(BatcherOptions options) {
  const auto problems = options.validate();
  if (!problems.empty()) {
    std::string message = "invalid batcher options:";
    for (const auto& problem : problems) {
      message += "\n  - " + problem;
    }
    throw std::invalid_argument(message);
  }
  return options;
}

}  // namespace

BatcherCore::BatcherCore(BatcherOptions options)
    : options_(checked(std::move(options))), flush_time_(metrics::Histogram::for_latency_ns()) {}

BatcherCore::~BatcherCore() {
  LG_CHECK(!flusher_.joinable(), "a Batcher must close() before its members are destroyed");
}

void BatcherCore::start() {
  flusher_ = std::thread([this] { run_flusher(); });
}

AddStatus BatcherCore::reserve(std::unique_lock<std::mutex>& lock, const AddMode& mode) {
  AddStatus status = AddStatus::kAccepted;
  while (true) {
    if (closing_) {
      status = AddStatus::kClosed;
      break;
    }
    if (added_at_.size() < options_.capacity) {
      return AddStatus::kAccepted;
    }
    if (!mode.blocks()) {
      status = AddStatus::kBufferFull;
      break;
    }
    if (Clock::now() >= mode.deadline()) {
      status = AddStatus::kDeadlineExceeded;
      break;
    }
    ++blocked_adds_;
    room_cv_.wait_until(lock, mode.deadline());
    --blocked_adds_;
  }
  ++items_rejected_;
  return status;
}

void BatcherCore::accepted(std::unique_lock<std::mutex>& lock) {
  ++admitted_;
  const size_t buffered = added_at_.size();
  lock.unlock();
  // The flusher needs waking only when the first item starts the age clock or a batch
  // fills; otherwise it is already waiting for the right moment, or busy writing.
  if (buffered == 1 || buffered == options_.max_batch_items) {
    flusher_cv_.notify_one();
  }
}

void BatcherCore::run_flusher() {
  tls_flushing = this;
  std::unique_lock lock(mutex_);
  while (const auto reason = wait_for_batch(lock)) {
    const size_t count = std::min(added_at_.size(), options_.max_batch_items);
    take_locked(count);
    added_at_.erase(added_at_.begin(), added_at_.begin() + static_cast<std::ptrdiff_t>(count));
    taken_ += count;
    ++(*reason == Reason::kSize  ? batches_by_size_
       : *reason == Reason::kAge ? batches_by_age_
                                 : batches_by_request_);
    lock.unlock();
    room_cv_.notify_all();
    write_with_retries(count);
    lock.lock();
  }
}

// Called with mutex_ held. Empty once closing and nothing is left to write.
auto BatcherCore::wait_for_batch(std::unique_lock<std::mutex>& lock) -> std::optional<Reason> {
  while (true) {
    const size_t buffered = added_at_.size();
    if (buffered >= options_.max_batch_items) {
      return Reason::kSize;
    }
    if (buffered == 0) {
      if (closing_) {
        return std::nullopt;
      }
      flusher_cv_.wait(lock);
      continue;
    }
    if (closing_ || taken_ < flush_up_to_) {
      return Reason::kRequest;
    }
    const auto due = added_at_.front() + options_.max_age;
    if (Clock::now() >= due) {
      return Reason::kAge;
    }
    flusher_cv_.wait_until(lock, due);
  }
}

void BatcherCore::write_with_retries(size_t count) {
  for (int attempt = 1;; ++attempt) {
    const auto start = Clock::now();
    const SinkResult result = attempt_write();
    record_flush_time(Clock::now() - start);
    const bool retry = !result.ok() && attempt < options_.max_attempts;
    count_attempt(retry);
    if (result.ok()) {
      clear_batch();
      settle(count, true, 0);
      return;
    }
    if (!retry) {
      const size_t dropped = report_failure(result.error(), attempt);
      clear_batch();
      settle(count, false, dropped);
      return;
    }
    // Retries continue during close(): close() promises to lose nothing, and the attempts
    // and backoff are bounded.
    std::this_thread::sleep_for(backoff_after(attempt));
  }
}

SinkResult BatcherCore::attempt_write() {
  try {
    return write_batch();
  } catch (const std::exception& e) {
    return SinkResult::failure(fmt::format("sink threw: {}", e.what()));
  } catch (...) {
    return SinkResult::failure("sink threw an exception not derived from std::exception");
  }
}

size_t BatcherCore::report_failure(const std::string& error, int attempts) {
  try {
    notify_failed(error, attempts);
  } catch (const std::exception& e) {
    std::fputs(fmt::format("batcher: failure callback threw: {}\n", e.what()).c_str(), stderr);
  } catch (...) {
    std::fputs("batcher: failure callback threw\n", stderr);
  }
  return keep_failed(error, attempts);
}

std::chrono::nanoseconds BatcherCore::backoff_after(int failed_attempts) const {
  auto pause = options_.retry_backoff;
  for (int i = 1; i < failed_attempts && pause < options_.max_retry_backoff; ++i) {
    pause = pause > options_.max_retry_backoff / 2 ? options_.max_retry_backoff : pause * 2;
  }
  return std::min(pause, options_.max_retry_backoff);
}

void BatcherCore::record_flush_time(Clock::duration took) {
  std::lock_guard lock(stats_mutex_);
  flush_time_.record(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
}

// Counted as they happen, so a batch stuck retrying shows in stats() while it retries.
void BatcherCore::count_attempt(bool will_retry) {
  std::lock_guard lock(mutex_);
  ++write_attempts_;
  retries_ += will_retry ? 1 : 0;
}

void BatcherCore::settle(size_t count, bool written, size_t dropped) {
  {
    std::lock_guard lock(mutex_);
    (written ? items_written_ : items_failed_) += count;
    batches_failed_ += written ? 0 : 1;
    failed_dropped_ += dropped;
    done_ += count;
  }
  done_cv_.notify_all();
}

void BatcherCore::flush() {
  LG_CHECK(tls_flushing != this, "Batcher::flush() called from its own sink or failure callback");
  std::unique_lock lock(mutex_);
  const uint64_t target = admitted_;
  if (done_ >= target) {
    return;
  }
  flush_up_to_ = std::max(flush_up_to_, target);
  flusher_cv_.notify_one();
  done_cv_.wait(lock, [&] { return done_ >= target; });
}

void BatcherCore::close() {
  LG_CHECK(tls_flushing != this, "Batcher::close() called from its own sink or failure callback");
  std::unique_lock lock(mutex_);
  if (closing_) {
    done_cv_.wait(lock, [this] { return joined_; });
    return;
  }
  closing_ = true;
  lock.unlock();
  flusher_cv_.notify_one();
  room_cv_.notify_all();
  if (flusher_.joinable()) {
    flusher_.join();
  }
  lock.lock();
  joined_ = true;
  // Under the lock: a waiting close() may be the destructor's, which frees the cv as soon as
  // it sees joined_.
  done_cv_.notify_all();
}

BatcherStats BatcherCore::stats() const {
  BatcherStats stats;
  {
    std::lock_guard lock(stats_mutex_);
    stats.flush_time_ns = flush_time_;
  }
  std::lock_guard lock(mutex_);
  stats.items_added = admitted_;
  stats.items_rejected = items_rejected_;
  stats.items_written = items_written_;
  stats.items_failed = items_failed_;
  stats.failed_items_dropped = failed_dropped_;
  stats.batches_by_size = batches_by_size_;
  stats.batches_by_age = batches_by_age_;
  stats.batches_by_request = batches_by_request_;
  stats.batches_failed = batches_failed_;
  stats.write_attempts = write_attempts_;
  stats.retries = retries_;
  stats.buffered = added_at_.size();
  stats.blocked_adds = blocked_adds_;
  return stats;
}

}  // namespace loadgen::targets::detail
