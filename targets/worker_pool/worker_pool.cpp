#include "targets/worker_pool/worker_pool.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "harness/core/check.hpp"

namespace loadgen::targets {
namespace {

using Clock = std::chrono::steady_clock;

// Set on each worker thread, so shutdown() can refuse to join its own caller.
thread_local const WorkerPool* tls_current_pool = nullptr;

std::chrono::nanoseconds as_ns(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d);
}

Clock::time_point deadline_after(Clock::time_point now,
                                 const std::optional<std::chrono::nanoseconds>& timeout) {
  if (!timeout) {
    return Clock::time_point::max();
  }
  const auto wanted = std::chrono::duration_cast<Clock::duration>(*timeout);
  if (wanted >= Clock::time_point::max() - now) {
    return Clock::time_point::max();
  }
  return now + std::max(wanted, Clock::duration::zero());
}

PoolOptions checked(PoolOptions options) {
  const auto problems = options.validate();
  if (!problems.empty()) {
    std::string message = "invalid worker pool options:";
    for (const auto& problem : problems) {
      message += "\n  - " + problem;
    }
    throw std::invalid_argument(message);
  }
  return options;
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

WorkerPool::WorkerPool(PoolOptions options)
    : options_(checked(std::move(options))),
      stop_token_(stop_source_.get_token()),
      metrics_(options_.max_threads),
      dead_letters_(options_.dead_letter_capacity),
      slots_(options_.max_threads) {
  bool started = true;
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; started && i < options_.min_threads; ++i) {
      started = spawn_worker();
    }
  }
  if (!started) {
    shutdown(ShutdownMode::kCancel);
    throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                            "worker_pool: cannot start its minimum number of threads");
  }
}

WorkerPool::~WorkerPool() {
  shutdown(options_.on_destroy);
}

SubmitResult WorkerPool::submit_task(SubmitMode mode, TaskOptions options, TaskFn fn) {
  const auto now = Clock::now();
  const bool valid =
      fn && static_cast<size_t>(options.priority) < kPriorityCount && options.max_retries >= 0;
  // Built before taking the lock, so the critical section is a push and a few counters.
  detail::QueuedTask task;
  task.priority = options.priority;
  task.enqueued_at = now;  // queue wait includes time blocked for room: the caller's intent
  task.deadline = deadline_after(now, options.timeout);
  task.fn = std::move(fn);
  if (!options.name.empty() || options.on_complete || options.max_retries > 0) {
    task.extras = std::make_unique<detail::TaskExtras>(std::move(options.name),
                                                       std::move(options.on_complete),
                                                       options.max_retries, std::string());
  }

  std::unique_lock lock(mutex_);
  const SubmitStatus status = valid ? wait_for_room(lock, mode) : SubmitStatus::kInvalidTask;
  if (status != SubmitStatus::kAccepted) {
    ++rejected_;
    return {status, 0};
  }
  const TaskId id = next_id_++;
  task.id = id;
  queue_.push(std::move(task));
  ++submitted_;
  grow_if_backed_up();
  // Every submit that finds an idle worker signals one. Throttling that to one signal per
  // idle worker saved syscalls but sometimes collapsed 4 threads on 2 cores into a
  // wake-up convoy (5x slower), so it is deliberately not done.
  const bool wake = idle_ > 0;
  lock.unlock();
  if (wake) {
    work_cv_.notify_one();
  }
  return {SubmitStatus::kAccepted, id};
}

SubmitStatus WorkerPool::wait_for_room(std::unique_lock<std::mutex>& lock, const SubmitMode& mode) {
  while (true) {
    if (state_ != State::kRunning) {
      return SubmitStatus::kShuttingDown;
    }
    if (queue_.size() < options_.queue_capacity) {
      return SubmitStatus::kAccepted;
    }
    if (!mode.blocks()) {
      return SubmitStatus::kQueueFull;
    }
    if (Clock::now() >= mode.deadline()) {
      return SubmitStatus::kDeadlineExceeded;
    }
    ++blocked_submitters_;
    room_cv_.wait_until(lock, mode.deadline());
    --blocked_submitters_;
  }
}

// Called with mutex_ held. The backlog is what idle and just-started threads will not take:
// an idle thread already woken for an earlier task still counts as idle until it runs, so
// comparing with idle_ alone could leave a task queued while the pool is below max_threads.
void WorkerPool::grow_if_backed_up() {
  const size_t takers = idle_ + starting_;
  if (state_ == State::kRunning && live_ < options_.max_threads && queue_.size() > takers &&
      queue_.size() - takers >= options_.grow_at_queue_depth) {
    spawn_worker();
  }
}

// Called with mutex_ held. Starting a thread under the lock keeps shutdown from missing one.
bool WorkerPool::spawn_worker() {
  const auto free =
      std::find_if(slots_.begin(), slots_.end(), [](const Slot& slot) { return !slot.occupied; });
  if (free == slots_.end()) {
    return false;
  }
  const auto index = static_cast<size_t>(free - slots_.begin());
  if (free->thread.joinable()) {
    // The previous occupant left the slot under the lock and needs it no more: this is quick.
    free->thread.join();
  }
  detail::WorkerMetrics& metrics = metrics_.slot_locked(index);
  try {
    free->thread = std::thread([this, index, &metrics] { worker_main(index, metrics); });
  } catch (const std::system_error& e) {
    std::fputs(fmt::format("worker_pool: cannot start a worker thread: {}\n", e.what()).c_str(),
               stderr);
    return false;
  }
  free->occupied = true;
  ++live_;
  ++starting_;
  peak_ = std::max(peak_, live_);
  return true;
}

void WorkerPool::worker_main(size_t slot, detail::WorkerMetrics& metrics) {
  tls_current_pool = this;
  std::unique_lock lock(mutex_);
  --starting_;
  std::optional<detail::QueuedTask> task;
  std::optional<Clock::time_point> last_end;
  bool waited = false;
  while (next_task(lock, task, waited)) {
    lock.unlock();
    // Going straight from one task to the next, the previous end is this start (or the
    // enqueue, if later): one clock read per task instead of two, the difference being
    // only the pop in between.
    const auto start = waited || !last_end ? Clock::now() : std::max(*last_end, task->enqueued_at);
    const RunTimes times = execute(*task, metrics, start);
    last_end = times.done_at;
    task.reset();  // its captures die now, not when the next task arrives
    if (times.started) {
      metrics.latency.record(times.wait_ns, times.run_ns);
    }
    lock.lock();
  }
  // Still under the lock: the slot and the live count change together with the decision to
  // leave, so a concurrent spawn or retirement sees a consistent pool.
  slots_[slot].occupied = false;
  --live_;
}

// Called with mutex_ held. False when this worker should leave (shutdown, or retiring).
bool WorkerPool::next_task(std::unique_lock<std::mutex>& lock,
                           std::optional<detail::QueuedTask>& task, bool& waited) {
  waited = false;
  while (true) {
    if (!queue_.empty()) {
      queue_.pop_into(task);
      if (blocked_submitters_ > 0) {
        room_cv_.notify_one();
      }
      return true;
    }
    if (state_ != State::kRunning) {
      return false;
    }
    waited = true;
    if (!wait_for_work(lock)) {
      return false;
    }
  }
}

// Called with mutex_ held. False when an extra thread has idled long enough to retire.
bool WorkerPool::wait_for_work(std::unique_lock<std::mutex>& lock) {
  ++idle_;
  bool keep = true;
  if (live_ > options_.min_threads) {
    const bool timed_out =
        work_cv_.wait_for(lock, options_.idle_timeout) == std::cv_status::timeout;
    keep =
        !(timed_out && queue_.empty() && state_ == State::kRunning && live_ > options_.min_threads);
  } else {
    work_cv_.wait(lock);
  }
  --idle_;
  return keep;
}

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
  task.fn = nullptr;
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

void WorkerPool::shutdown(ShutdownMode mode) {
  LG_CHECK(tls_current_pool != this, "WorkerPool::shutdown() called from one of its own tasks");
  std::vector<detail::QueuedTask> cancelled;
  bool request_stop = false;
  {
    std::lock_guard lock(mutex_);
    if (mode == ShutdownMode::kCancel && state_ != State::kCancelling) {
      state_ = State::kCancelling;
      cancelled = queue_.take_all();
      cancelled_queued_ += cancelled.size();
      request_stop = true;
    } else if (state_ == State::kRunning) {
      state_ = State::kDraining;
    }
  }
  work_cv_.notify_all();
  room_cv_.notify_all();
  if (request_stop) {
    // Outside the lock: this runs any std::stop_callback a task registered.
    stop_source_.request_stop();
  }
  const auto now = Clock::now();
  for (auto& task : cancelled) {
    finish(task, TaskOutcome::kCancelled, now - task.enqueued_at, Clock::duration::zero());
  }
  join_workers();
}

void WorkerPool::join_workers() {
  std::unique_lock lock(mutex_);
  if (joining_) {
    joined_cv_.wait(lock, [this] { return joined_; });
    return;
  }
  joining_ = true;
  // No thread can start any more (spawning requires kRunning), so this list is complete.
  std::vector<std::thread> threads;
  for (auto& slot : slots_) {
    if (slot.thread.joinable()) {
      threads.push_back(std::move(slot.thread));
    }
  }
  lock.unlock();
  for (auto& thread : threads) {
    thread.join();
  }
  lock.lock();
  joined_ = true;
  // Under the lock: a waiting shutdown() may be the destructor's, which frees the cv as soon
  // as it sees joined_.
  joined_cv_.notify_all();
}

PoolStats WorkerPool::stats() const {
  PoolStats stats;
  stats.dead_letters_dropped = dead_letters_.dropped();
  std::lock_guard reader(metrics_.reader_mutex());
  {
    std::lock_guard lock(mutex_);
    fill_locked(stats);
  }
  // The histograms are taken and merged outside the pool's mutex: each worker waits at
  // most for the swap of its own slot.
  metrics_.merge_into(stats);
  return stats;
}

// Called with mutex_ and the metrics' reader mutex held. Outcomes are read before
// `submitted`, so a snapshot never shows more outcomes than submissions.
void WorkerPool::fill_locked(PoolStats& stats) const {
  metrics_.collect_locked(stats);
  stats.submitted = submitted_;
  stats.rejected = rejected_;
  stats.cancelled += cancelled_queued_;
  stats.queued = queue_.size();
  stats.threads = live_;
  stats.idle_threads = idle_;
  stats.blocked_submitters = blocked_submitters_;
  stats.peak_threads = peak_;
}

bool WorkerPool::accepting() const {
  std::lock_guard lock(mutex_);
  return state_ == State::kRunning;
}

}  // namespace loadgen::targets
