#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "targets/worker_pool/submit.hpp"

// What a task sees while it runs, and what its submitter learns when it is over.
namespace loadgen::targets {

// Handed to a running task. Cancellation is cooperative: the pool never interrupts a task,
// it only makes stop_requested() true, and the task decides when to look.
class TaskContext {
 public:
  using Clock = std::chrono::steady_clock;

  // Made by the pool; `pool_stop` must outlive the context.
  TaskContext(TaskId id, std::string_view name, int attempt, Clock::time_point deadline,
              const std::stop_token& pool_stop) noexcept
      : id_(id), name_(name), attempt_(attempt), deadline_(deadline), pool_stop_(&pool_stop) {}

  TaskId id() const noexcept { return id_; }
  std::string_view name() const noexcept { return name_; }
  // 1 on the first run, 2 on the first retry, ...
  int attempt() const noexcept { return attempt_; }
  // The task's TaskOptions::timeout deadline (Clock::time_point::max() when it has none).
  Clock::time_point deadline() const noexcept { return deadline_; }

  // True once the pool is cancelling (shutdown(kCancel)) or the task's deadline has passed.
  bool stop_requested() const noexcept {
    return pool_stop_->stop_requested() ||
           (deadline_ != Clock::time_point::max() && Clock::now() >= deadline_);
  }
  // Throws TaskStopped when stop_requested(): the pool then reports the task kCancelled or
  // kTimedOut (by cause), without logging it as an error or retrying it.
  void throw_if_stop_requested() const;
  // Pool-wide cancellation only (no deadline), for waits that take a std::stop_token such as
  // std::condition_variable_any::wait or a std::stop_callback.
  const std::stop_token& pool_stop_token() const noexcept { return *pool_stop_; }

 private:
  TaskId id_;
  std::string_view name_;
  int attempt_;
  Clock::time_point deadline_;
  const std::stop_token* pool_stop_;
};

// Thrown by TaskContext::throw_if_stop_requested(); a task may also throw it itself.
class TaskStopped : public std::exception {
 public:
  const char* what() const noexcept override { return "task stopped on request"; }
};

using TaskFn = std::function<void(TaskContext&)>;

enum class TaskOutcome : uint8_t {
  kCompleted,  // the function returned
  kFailed,     // it threw on every attempt allowed; the task is in the dead-letter list
  kTimedOut,   // its deadline passed before it could start (or it stopped on its deadline)
  kCancelled,  // cancelled by shutdown(kCancel) while queued, or stopped because of it
};

std::string_view to_string(TaskOutcome outcome) noexcept;

// Everything a submitter learns about a finished task. The views are valid only during the
// completion callback.
struct TaskReport {
  TaskId id = 0;
  TaskOutcome outcome = TaskOutcome::kCompleted;
  // Of the last attempt: from submit (or re-queue, for a retry) to its start or expiry.
  std::chrono::nanoseconds queue_wait{0};
  // Of the last attempt; 0 if it never started.
  std::chrono::nanoseconds run_time{0};
  int attempts = 0;        // runs started
  std::string_view name;   // TaskOptions::name
  std::string_view error;  // the last exception's message; empty if none was thrown
};

// Runs exactly once per accepted task, on the worker that decided its outcome (or, for tasks
// cancelled while queued, on the thread calling shutdown). It must be quick and must not
// throw: an exception is caught and logged, never propagated.
using CompletionCallback = std::function<void(const TaskReport&)>;

struct TaskOptions {
  Priority priority = Priority::kNormal;
  // A label for logs and the dead-letter list (the kind of job, say).
  std::string name;
  // Measured from submit(). A task not started by then is never run and ends kTimedOut; a
  // running task sees it through TaskContext::stop_requested(). Retries share the deadline.
  std::optional<std::chrono::nanoseconds> timeout;
  // Extra runs after a run that threw. Retries go to the back of their priority's queue.
  int max_retries = 0;
  CompletionCallback on_complete;
};

}  // namespace loadgen::targets
