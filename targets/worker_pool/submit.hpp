#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

// The vocabulary of WorkerPool::submit(): priorities, what to do when the queue is full, and
// the status every call returns (submit never throws for a full or closed pool).
namespace loadgen::targets {

// Identifies one accepted task within its pool: 1, 2, 3... in acceptance order. 0 is "none".
using TaskId = uint64_t;

// Higher priorities always run first; within one priority tasks run in submission order.
enum class Priority : uint8_t { kHigh = 0, kNormal = 1, kLow = 2 };
inline constexpr size_t kPriorityCount = 3;

// Backpressure policy of one submit() call when the queue is at capacity.
class SubmitMode {
 public:
  using Clock = std::chrono::steady_clock;

  // Fail at once with SubmitStatus::kQueueFull.
  static constexpr SubmitMode reject() noexcept {
    return SubmitMode(false, Clock::time_point::min());
  }
  // Wait for room until `deadline`, then fail with SubmitStatus::kDeadlineExceeded.
  static constexpr SubmitMode block_until(Clock::time_point deadline) noexcept {
    return SubmitMode(true, deadline);
  }
  static SubmitMode block_for(Clock::duration timeout) noexcept {
    return block_until(Clock::now() + timeout);
  }

  bool blocks() const noexcept { return blocks_; }
  Clock::time_point deadline() const noexcept { return deadline_; }

 private:
  constexpr SubmitMode(bool blocks, Clock::time_point deadline) noexcept
      : blocks_(blocks), deadline_(deadline) {}

  bool blocks_;
  Clock::time_point deadline_;
};

enum class SubmitStatus : uint8_t {
  kAccepted,          // queued; the id is valid and the completion callback will run once
  kQueueFull,         // SubmitMode::reject() and the queue was at capacity
  kDeadlineExceeded,  // SubmitMode::block_until() and no room appeared before the deadline
  kShuttingDown,      // shutdown() has begun (also returned to callers blocked when it began)
  kInvalidTask,       // empty function or out-of-range priority
};

std::string_view to_string(SubmitStatus status) noexcept;
std::string_view to_string(Priority priority) noexcept;

struct SubmitResult {
  SubmitStatus status = SubmitStatus::kInvalidTask;
  TaskId id = 0;  // 0 unless accepted

  bool accepted() const noexcept { return status == SubmitStatus::kAccepted; }
};

}  // namespace loadgen::targets
