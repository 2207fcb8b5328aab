#include "targets/worker_pool/worker_pool.hpp"

#include <cstdio>
#include <exception>
#include <string>

#include <fmt/format.h>

// What a worker does with one task it took: run it, time it, and settle its outcome
// (completion, timeout, cancellation, failure with retry or dead letter).
namespace loadgen::targets {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::nanoseconds as_ns(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d);
}

// Keeping an exception's message must not itself throw out of a worker.
void keep_message(detail::QueuedTask& task, const char* message) noexcept {
  try {
    task.extras_or_make().last_error = message;
  } catch (...) {
    if (task.extras) {
      task.extras->last_error.clear();
    }
  }
}

}  // namespace

auto WorkerPool::execute(detail::QueuedTask& task, detail::WorkerMetrics& metrics,
                         Clock::time_point start) -> RunTimes {
  const auto wait = start - task.enqueued_at;
  if (start >= task.deadline) {
    metrics.timed_out.bump();
    finish(task, TaskOutcome::kTimedOut, wait, Clock::duration::zero());
    return {false, 0, 0, Clock::now()};
  }
  // A callback or a failure's logging runs after `end` is taken: then the next task's start
  // must be read afresh, or their time would be counted as its queue wait and run.
  const bool nothing_after_end = !task.has_callback();
  ++task.attempts;
  TaskContext ctx(task.id, task.name(), task.attempts, task.deadline, stop_token_);
  const RunResult result = run_guarded(task, ctx);
  const auto end = Clock::now();
  const auto run = end - start;
  switch (result) {
    case RunResult::kReturned:
      metrics.completed.bump();
      finish(task, TaskOutcome::kCompleted, wait, run);
      break;
    case RunResult::kStopped: {
      // Only the deadline makes it a timeout; the pool's cancel (or the task's own choice)
      // makes it a cancellation.
      const bool timed_out = !stop_token_.stop_requested() && end >= task.deadline;
      (timed_out ? metrics.timed_out : metrics.cancelled).bump();
      finish(task, timed_out ? TaskOutcome::kTimedOut : TaskOutcome::kCancelled, wait, run);
      break;
    }
    case RunResult::kThrew:
      handle_failure(task, metrics, wait, run);
      break;
  }
  const bool reuse_end = nothing_after_end && result == RunResult::kReturned;
  return {true, as_ns(wait).count(), as_ns(run).count(), reuse_end ? end : Clock::now()};
}

WorkerPool::RunResult WorkerPool::run_guarded(detail::QueuedTask& task, TaskContext& ctx) {
  try {
    task.fn(ctx);
    return RunResult::kReturned;
  } catch (const TaskStopped&) {
    return RunResult::kStopped;
  } catch (const std::exception& e) {
    keep_message(task, e.what());
  } catch (...) {
    keep_message(task, "exception not derived from std::exception");
  }
  return RunResult::kThrew;
}

void WorkerPool::handle_failure(detail::QueuedTask& task, detail::WorkerMetrics& metrics,
                                Clock::duration wait, Clock::duration run) {
  metrics.failed.bump();
  const bool retry_allowed = task.attempts <= task.max_retries();
  log_failure({.id = task.id,
               .name = task.name(),
               .error = task.last_error(),
               .attempt = task.attempts,
               .max_attempts = task.max_retries() + 1,
               .will_retry = retry_allowed && !stop_token_.stop_requested()});
  if (retry_allowed) {
    if (requeue(task, metrics)) {
      return;
    }
    // The pool is cancelling: the retry is cancelled like any queued task.
    metrics.cancelled.bump();
    finish(task, TaskOutcome::kCancelled, wait, run);
    return;
  }
  metrics.dead_lettered.bump();
  dead_letters_.add(
      {task.id, std::string(task.name()), std::string(task.last_error()), task.attempts});
  finish(task, TaskOutcome::kFailed, wait, run);
}

// Retries skip the capacity check: the task was admitted once, and a worker must never block
// on its own queue. The calling worker takes the next task right after, so no wake-up.
bool WorkerPool::requeue(detail::QueuedTask& task, detail::WorkerMetrics& metrics) {
  std::lock_guard lock(mutex_);
  if (state_ == State::kCancelling) {
    return false;
  }
  metrics.retried.bump();
  task.enqueued_at = Clock::now();
  queue_.push(std::move(task));
  return true;
}

void WorkerPool::finish(detail::QueuedTask& task, TaskOutcome outcome, Clock::duration wait,
                        Clock::duration run) {
  // The task's captures die before its submitter hears that it is over.
  task.fn.reset();
  if (!task.has_callback()) {
    return;
  }
  const TaskReport report{task.id,       outcome,     as_ns(wait),      as_ns(run),
                          task.attempts, task.name(), task.last_error()};
  try {
    task.extras->on_complete(report);
  } catch (const std::exception& e) {
    const std::string error = fmt::format("completion callback threw: {}", e.what());
    log_failure({task.id, task.name(), error, task.attempts, task.max_retries() + 1, false});
  } catch (...) {
    log_failure({task.id, task.name(), "completion callback threw", task.attempts,
                 task.max_retries() + 1, false});
  }
}

void WorkerPool::log_failure(const TaskFailure& failure) const noexcept {
  try {
    if (options_.error_logger) {
      options_.error_logger(failure);
      return;
    }
    const std::string line =
        fmt::format("worker_pool: task {}{}{}{} attempt {}/{} failed: {}{}\n", failure.id,
                    failure.name.empty() ? "" : " [", failure.name, failure.name.empty() ? "" : "]",
                    failure.attempt, failure.max_attempts, failure.error,
                    failure.will_retry ? " (will retry)" : "");
    std::fputs(line.c_str(), stderr);
  } catch (...) {
    // A logger must never take a worker down with it.
  }
}

}  // namespace loadgen::targets
