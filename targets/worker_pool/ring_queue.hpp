#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace loadgen::targets::detail {

// A FIFO on one growable circular array. std::deque allocates a node every few elements of a
// task-sized type; this allocates only when it grows past its high-water mark, which the
// pool's queue capacity bounds. Elements are constructed in place on push and destroyed on
// pop, so a popped task's captures are released at once; a slot is exactly an element (no
// engaged flag beside it), so a cache-line-sized element occupies one line. Not thread-safe.
template <typename T>
class RingQueue {
  static_assert(std::is_nothrow_move_constructible_v<T>, "growing must not be able to fail halfway");

 public:
  RingQueue() = default;
  RingQueue(const RingQueue&) = delete;
  RingQueue& operator=(const RingQueue&) = delete;
  ~RingQueue() {
    while (!empty()) {
      pop_front_slot();
    }
  }

  bool empty() const noexcept { return size_ == 0; }
  size_t size() const noexcept { return size_; }

  void push(T&& value) {
    if (size_ == capacity_) {
      grow();
    }
    ::new (slot(wrap(head_ + size_))) T(std::move(value));
    ++size_;
  }

  // Puts `value` before the oldest element (it becomes the next one popped).
  void push_front(T&& value) {
    if (size_ == capacity_) {
      grow();
    }
    const size_t before = wrap(head_ + capacity_ - 1);
    ::new (slot(before)) T(std::move(value));
    head_ = before;
    ++size_;
  }

  // The oldest element. Precondition: !empty().
  T pop() {
    T out(std::move(*element(head_)));
    pop_front_slot();
    return out;
  }
  // The same, moved straight into `out`.
  void pop_into(std::optional<T>& out) {
    out.emplace(std::move(*element(head_)));
    pop_front_slot();
  }

 private:
  struct Slot {
    alignas(T) unsigned char bytes[sizeof(T)];
  };

  void* slot(size_t index) noexcept { return slots_[index].bytes; }
  T* element(size_t index) noexcept { return std::launder(reinterpret_cast<T*>(slot(index))); }
  // The capacity is a power of two, so wrapping is a mask.
  size_t wrap(size_t index) const noexcept { return index & (capacity_ - 1); }

  void pop_front_slot() noexcept {
    element(head_)->~T();
    head_ = wrap(head_ + 1);
    --size_;
  }

  void grow() {
    const size_t bigger = std::max<size_t>(16, capacity_ * 2);
    auto fresh = std::make_unique_for_overwrite<Slot[]>(bigger);
    for (size_t i = 0; i < size_; ++i) {
      T* old = element(wrap(head_ + i));
      ::new (static_cast<void*>(fresh[i].bytes)) T(std::move(*old));
      old->~T();
    }
    slots_ = std::move(fresh);
    capacity_ = bigger;
    head_ = 0;
  }

  std::unique_ptr<Slot[]> slots_;
  size_t capacity_ = 0;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace loadgen::targets::detail
