#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "targets/batching/sink_result.hpp"

// Condition-based helpers for the batcher's tests: they wait for events, never for time.
namespace loadgen::targets::testing {

using namespace std::chrono_literals;

// A sink that records every batch it is given. It can hold batches until opened, and fail
// them by a rule. Every notify happens under the lock: a waiter may destroy the sink as soon
// as it sees the change.
class RecordingSink {
 public:
  using Clock = std::chrono::steady_clock;
  // Returns an error for a batch that should fail, or an empty string.
  using FailRule = std::function<std::string(std::span<const int> batch, int call)>;

  explicit RecordingSink(FailRule fail = {}) : fail_(std::move(fail)) {}

  std::function<SinkResult(std::span<const int>)> sink() {
    return [this](std::span<const int> batch) { return write(batch); };
  }

  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    std::lock_guard lock(mutex_);
    held_ = false;
    cv_.notify_all();
  }
  // True once `n` items have been written (successfully).
  bool wait_for_items(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return written_items_ >= n; });
  }
  // True once the sink has been called `n` times (any outcome, including a held call).
  bool wait_for_calls(int n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return calls_ >= n; });
  }
  std::vector<std::vector<int>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::vector<Clock::time_point> written_at() {
    std::lock_guard lock(mutex_);
    return written_at_;
  }
  std::vector<int> items() {
    std::lock_guard lock(mutex_);
    std::vector<int> all;
    for (const auto& batch : batches_) {
      all.insert(all.end(), batch.begin(), batch.end());
    }
    return all;
  }

 private:
  SinkResult write(std::span<const int> batch) {
    std::unique_lock lock(mutex_);
    const int call = ++calls_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return !held_; });
    if (fail_) {
      if (auto error = fail_(batch, call); !error.empty()) {
        return SinkResult::failure(std::move(error));
      }
    }
    batches_.emplace_back(batch.begin(), batch.end());
    written_at_.push_back(Clock::now());
    written_items_ += batch.size();
    cv_.notify_all();
    return SinkResult::success();
  }

  FailRule fail_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool held_ = false;
  int calls_ = 0;
  size_t written_items_ = 0;
  std::vector<std::vector<int>> batches_;
  std::vector<Clock::time_point> written_at_;
};

// Polls a condition that has no event to wait on.
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

// A database file of the current test's own, removed (with its journals) before and after.
class TempDb {
 public:
  TempDb() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (std::filesystem::temp_directory_path() /
             ("loadgen-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" +
              std::to_string(::getpid()) + ".db"))
                .string();
    remove_files();
  }
  ~TempDb() { remove_files(); }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  const std::string& path() const { return path_; }

 private:
  void remove_files() {
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      std::filesystem::remove(path_ + suffix, ignored);
    }
  }

  std::string path_;
};

}  // namespace loadgen::targets::testing
