#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "targets/worker_pool/task.hpp"

namespace loadgen::targets::detail {

// A move-only void(TaskContext&) callable stored in place when it is small, so submitting a
// typical lambda allocates nothing and moving a trivially copyable one through the queue is
// a copy of bytes (a std::function calls its manager on every move, and takes only
// trivially copyable callables in place). Larger, over-aligned or throwing-move callables
// go to the heap. 24 bytes in all, so a queued task fits one cache line. Not thread-safe.
class TaskBox {
 public:
  // Room for two pointers' worth of captures ([this, id], a shared_ptr, ...).
  static constexpr size_t kInlineBytes = 16;

  TaskBox() noexcept = default;

  // Empty when `fn` is an empty std::function or a null function pointer.
  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, TaskBox>>>
  explicit TaskBox(F&& fn) {
    if constexpr (std::is_constructible_v<bool, const D&>) {
      if (!static_cast<bool>(fn)) {
        return;
      }
    }
    if constexpr (fits_inline<D>()) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(fn));
    } else {
      D* heap = new D(std::forward<F>(fn));
      std::memcpy(storage_, &heap, sizeof heap);
    }
    ops_ = &kOps<D>;
  }

  TaskBox(TaskBox&& other) noexcept { take(other); }
  TaskBox& operator=(TaskBox&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  TaskBox(const TaskBox&) = delete;
  TaskBox& operator=(const TaskBox&) = delete;
  ~TaskBox() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  // Precondition: not empty.
  void operator()(TaskContext& ctx) { ops_->invoke(storage_, ctx); }

  // Destroys the callable (and so its captures) now.
  void reset() noexcept {
    if (ops_ != nullptr && ops_->destroy != nullptr) {
      ops_->destroy(storage_);
    }
    ops_ = nullptr;
  }

 private:
  struct Ops {
    void (*invoke)(void* storage, TaskContext& ctx);
    // Move-constructs into `to` and destroys `from`; null: copying the bytes does that.
    void (*relocate)(void* from, void* to) noexcept;
    // Null: nothing to destroy.
    void (*destroy)(void* storage) noexcept;
  };

  template <typename D>
  static constexpr bool fits_inline() {
    return sizeof(D) <= kInlineBytes && alignof(D) <= alignof(void*) &&
           std::is_nothrow_move_constructible_v<D>;
  }

  template <typename D>
  static D* heap_object(void* storage) noexcept {
    D* object = nullptr;
    std::memcpy(&object, storage, sizeof object);
    return object;
  }

  template <typename D>
  static constexpr Ops make_ops() {
    if constexpr (fits_inline<D>()) {
      constexpr bool trivial = std::is_trivially_copyable_v<D>;
      return {[](void* s, TaskContext& ctx) { (*std::launder(static_cast<D*>(s)))(ctx); },
              trivial ? nullptr
                      : +[](void* from, void* to) noexcept {
                          D* source = std::launder(static_cast<D*>(from));
                          ::new (to) D(std::move(*source));
                          source->~D();
                        },
              trivial ? nullptr
                      : +[](void* s) noexcept { std::launder(static_cast<D*>(s))->~D(); }};
    } else {
      // The storage holds only the pointer, so relocating it is a copy of bytes.
      return {[](void* s, TaskContext& ctx) { (*heap_object<D>(s))(ctx); }, nullptr,
              [](void* s) noexcept { delete heap_object<D>(s); }};
    }
  }

  template <typename D>
  static constexpr Ops kOps = make_ops<D>();

  void take(TaskBox& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) {
      return;
    }
    if (ops_->relocate != nullptr) {
      ops_->relocate(other.storage_, storage_);
    } else {
      std::memcpy(storage_, other.storage_, kInlineBytes);
    }
    other.ops_ = nullptr;
  }

  // Relocation copies all of it, padding and unused bytes included (as unsigned char, which
  // may be indeterminate); zeroing it on every construction would cost more than the copy.
  alignas(void*) unsigned char storage_[kInlineBytes];
  const Ops* ops_ = nullptr;
};

// Adapts a callable taking no arguments to void(TaskContext&).
template <typename F>
struct IgnoreContext {
  F fn;
  void operator()(TaskContext&) { fn(); }
};

}  // namespace loadgen::targets::detail
