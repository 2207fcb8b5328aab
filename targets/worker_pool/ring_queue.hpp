#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace loadgen::targets::detail {

// A FIFO on one growable circular array. std::deque allocates a node every few elements of a
// task-sized type; this allocates only when it grows past its high-water mark, which the
// pool's queue capacity bounds. Elements are constructed in place on push and destroyed on
// pop, so a popped task's captures are released at once. Not thread-safe.
template <typename T>
class RingQueue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  size_t size() const noexcept { return size_; }

  void push(T&& value) {
    if (size_ == slots_.size()) {
      grow();
    }
    slots_[wrap(head_ + size_)].emplace(std::move(value));
    ++size_;
  }

  // Puts `value` before the oldest element (it becomes the next one popped).
  void push_front(T&& value) {
    if (size_ == slots_.size()) {
      grow();
    }
    head_ = wrap(head_ + slots_.size() - 1);
    slots_[head_].emplace(std::move(value));
    ++size_;
  }

  // The oldest element. Precondition: !empty().
  T pop() {
    std::optional<T> out;
    pop_into(out);
    return std::move(*out);
  }
  // The same, moved straight into `out`.
  void pop_into(std::optional<T>& out) {
    auto& slot = slots_[head_];
    out.emplace(std::move(*slot));
    slot.reset();
    head_ = wrap(head_ + 1);
    --size_;
  }

 private:
  // The capacity is a power of two, so wrapping is a mask.
  size_t wrap(size_t index) const noexcept { return index & (slots_.size() - 1); }

  void grow() {
    std::vector<std::optional<T>> bigger(std::max<size_t>(16, slots_.size() * 2));
    for (size_t i = 0; i < size_; ++i) {
      auto& slot = slots_[wrap(head_ + i)];
      bigger[i].emplace(std::move(*slot));
      slot.reset();
    }
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<std::optional<T>> slots_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace loadgen::targets::detail
