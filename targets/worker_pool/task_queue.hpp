#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/worker_pool/ring_queue.hpp"
#include "targets/worker_pool/submit.hpp"
#include "targets/worker_pool/task.hpp"
#include "targets/worker_pool/task_box.hpp"

namespace loadgen::targets::detail {

// What most tasks do without: kept apart, so the task that is moved into and out of the
// queue stays small, and allocated only for tasks that use it (or once one fails).
struct TaskExtras {
  std::string name;
  CompletionCallback on_complete;
  int max_retries = 0;
  std::string last_error;
};

// A task between submit() and the worker that takes it: one cache line, so handing it from
// a submitting thread to a worker moves one line between their caches.
struct alignas(64) QueuedTask {
  using Clock = std::chrono::steady_clock;

  TaskId id = 0;
  Clock::time_point enqueued_at{};
  Clock::time_point deadline = Clock::time_point::max();
  TaskBox fn;
  std::unique_ptr<TaskExtras> extras;
  int attempts = 0;  // runs started so far
  Priority priority = Priority::kNormal;

  std::string_view name() const noexcept { return extras ? std::string_view(extras->name) : ""; }
  std::string_view last_error() const noexcept {
    return extras ? std::string_view(extras->last_error) : "";
  }
  int max_retries() const noexcept { return extras ? extras->max_retries : 0; }
  bool has_callback() const noexcept { return extras && extras->on_complete; }
  TaskExtras& extras_or_make() {
    if (!extras) {
      extras = std::make_unique<TaskExtras>();
    }
    return *extras;
  }
};

static_assert(sizeof(QueuedTask) == 64, "a queued task should fill exactly one cache line");

// One FIFO lane per priority; pop() serves the highest non-empty lane. Not thread-safe: the
// pool guards it with its mutex.
class TaskQueue {
 public:
  // Precondition: task.priority is a valid Priority.
  void push(QueuedTask&& task) {
    lanes_[static_cast<size_t>(task.priority)].push(std::move(task));
    ++size_;
  }

  // Precondition: !empty().
  QueuedTask pop() {
    std::optional<QueuedTask> out;
    pop_into(out);
    return std::move(*out);
  }
  // The same, constructed straight into `out` (one move instead of two).
  void pop_into(std::optional<QueuedTask>& out) {
    --size_;
    for (auto& lane : lanes_) {
      if (!lane.empty()) {
        lane.pop_into(out);
        return;
      }
    }
  }

  // Up to `limit` (>= 1) tasks, all from the highest non-empty priority, oldest first, into
  // out[0], out[1], ...; returns how many. A batch never mixes priorities, so a task taken
  // with it never runs before a higher one queued at the time. Precondition: !empty().
  size_t pop_batch(std::optional<QueuedTask>* out, size_t limit) {
    for (auto& lane : lanes_) {
      if (lane.empty()) {
        continue;
      }
      size_t taken = 0;
      while (taken < limit && !lane.empty()) {
        lane.pop_into(out[taken++]);
      }
      size_ -= taken;
      return taken;
    }
    return 0;
  }

  // Gives back a task popped but not started: it becomes the next of its priority again.
  void push_front(QueuedTask&& task) {
    lanes_[static_cast<size_t>(task.priority)].push_front(std::move(task));
    ++size_;
  }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Everything queued, highest priority first, leaving the queue empty.
  std::vector<QueuedTask> take_all() {
    std::vector<QueuedTask> all;
    all.reserve(size());
    while (!empty()) {
      all.push_back(pop());
    }
    return all;
  }

 private:
  std::array<RingQueue<QueuedTask>, kPriorityCount> lanes_;
  size_t size_ = 0;
};

}  // namespace loadgen::targets::detail
