#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

// The vocabulary of Batcher::add(): what to do when the buffer is full, and the status every
// call returns (add never throws for a full or closed batcher).
namespace loadgen::targets {

// Backpressure policy of one add() call when the buffer is at capacity.
class AddMode {
 public:
  using Clock = std::chrono::steady_clock;

  // Fail at once with AddStatus::kBufferFull.
  static constexpr AddMode reject() noexcept { return AddMode(false, Clock::time_point::min()); }
  // Wait for room until `deadline`, then fail with AddStatus::kDeadlineExceeded.
  static constexpr AddMode block_until(Clock::time_point deadline) noexcept {
    return AddMode(true, deadline);
  }
  static AddMode block_for(Clock::duration timeout) noexcept {
    return block_until(Clock::now() + timeout);
  }

  bool blocks() const noexcept { return blocks_; }
  Clock::time_point deadline() const noexcept { return deadline_; }

 private:
  constexpr AddMode(bool blocks, Clock::time_point deadline) noexcept
      : blocks_(blocks), deadline_(deadline) {}

  bool blocks_;
  Clock::time_point deadline_;
};

enum class AddStatus : uint8_t {
  kAccepted,          // buffered; it will be written or reported failed, never lost
  kBufferFull,        // AddMode::reject() and the buffer was at capacity
  kDeadlineExceeded,  // AddMode::block_until() and no room appeared before the deadline
  kClosed,            // close() has begun (also returned to callers blocked when it began)
};

std::string_view to_string(AddStatus status) noexcept;

}  // namespace loadgen::targets
