#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "targets/worker_pool/dead_letter.hpp"
#include "targets/worker_pool/pool_metrics.hpp"
#include "targets/worker_pool/pool_options.hpp"
#include "targets/worker_pool/pool_stats.hpp"
#include "targets/worker_pool/submit.hpp"
#include "targets/worker_pool/task.hpp"
#include "targets/worker_pool/task_box.hpp"
#include "targets/worker_pool/task_queue.hpp"

namespace loadgen::targets {

// A thread pool for a server's background jobs: a bounded priority queue with per-call
// backpressure, per-task deadlines and retries, a dead-letter list, HDR histograms of queue
// wait and run time, and an orderly shutdown that either drains or cancels.
//
// Every public member is thread-safe. Nothing on the submit/run path throws: outcomes are
// statuses, task exceptions are caught, logged with the task id and counted.
//
// Cost per task: no allocation for callables of up to 16 bytes, one clock read on submit
// and one per run, one lock round trip per submit; a worker whose tasks are short takes up
// to kMaxBatch of them per round trip, and a submit wakes an idle worker only when no other
// wake-up is on its way (the woken worker passes it on while work remains).
//
//   WorkerPool pool({.min_threads = 2, .max_threads = 8, .queue_capacity = 10'000});
//   auto r = pool.submit(SubmitMode::block_for(50ms),
//                        {.name = "resize", .timeout = 5s, .max_retries = 2,
//                         .on_complete = [](const TaskReport& t) { jobs.finish(t.id, t.outcome);
//                         }},
//                        [](TaskContext& ctx) { resize(ctx); });
//   if (!r.accepted()) reply_503(to_string(r.status));
class WorkerPool {
 public:
  // Starts options.min_threads threads. Throws std::invalid_argument naming every problem
  // options.validate() finds, or std::system_error if a thread cannot be started.
  explicit WorkerPool(PoolOptions options);
  // shutdown(options.on_destroy) unless shutdown() already ran.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `fn`, callable as fn(TaskContext&) or fn(). When the queue is full, `mode` says
  // whether to fail at once or wait for room until a deadline. Never throws for a full or
  // closed pool (only if copying `fn` or allocating does).
  template <typename F>
  SubmitResult submit(SubmitMode mode, TaskOptions options, F&& fn) {
    using D = std::decay_t<F>;
    if constexpr (std::is_invocable_v<D&, TaskContext&>) {
      return submit_box(mode, std::move(options), detail::TaskBox(std::forward<F>(fn)));
    } else {
      static_assert(std::is_invocable_v<D&>, "a task is callable as f(TaskContext&) or f()");
      if constexpr (std::is_constructible_v<bool, const D&>) {
        if (!static_cast<bool>(fn)) {
          return submit_box(mode, std::move(options), detail::TaskBox());  // invalid
        }
      }
      return submit_box(mode, std::move(options),
                        detail::TaskBox(detail::IgnoreContext<D>{std::forward<F>(fn)}));
    }
  }
  template <typename F>
  SubmitResult submit(SubmitMode mode, F&& fn) {
    return submit(mode, TaskOptions{}, std::forward<F>(fn));
  }
  // The same for an already type-erased function.
  SubmitResult submit_task(SubmitMode mode, TaskOptions options, TaskFn fn) {
    return submit_box(mode, std::move(options), detail::TaskBox(std::move(fn)));
  }

  // Stops accepting and finishes per `mode` (see ShutdownMode), then joins every thread.
  // Idempotent, and safe to call from several threads: each returns once the pool is down.
  // kCancel after a drain has begun escalates it. Must not be called from one of the pool's
  // own tasks (that would join itself; checked).
  void shutdown(ShutdownMode mode);

  // Counters, gauges and histograms; see PoolStats for what "snapshot" means here.
  PoolStats stats() const;
  // The newest dead letters (PoolOptions::dead_letter_capacity), oldest first.
  std::vector<DeadLetter> dead_letters() const { return dead_letters_.snapshot(); }
  // False once shutdown() has begun.
  bool accepting() const;

 private:
  using Clock = std::chrono::steady_clock;
  enum class State : uint8_t { kRunning, kDraining, kCancelling };
  enum class RunResult : uint8_t { kReturned, kStopped, kThrew };
  struct RunTimes {
    bool started;  // false when it expired in the queue: nothing to record
    int64_t wait_ns;
    int64_t run_ns;
    Clock::time_point done_at;  // when the worker was free again
  };
  struct Slot {
    std::thread thread;  // joined by the next thread to take the slot, or by shutdown
    bool occupied = false;
  };
  // Most tasks a worker takes from the queue at once (see next_tasks()), and the run time
  // under which a task counts as short enough for that. Together they bound how long a
  // task taken in a batch can wait behind its batch-mates (about 16 x 20 us; a task that
  // runs longer sends the rest of its batch back to the queue).
  static constexpr size_t kMaxBatch = 16;
  static constexpr int64_t kShortRunNs = 20'000;
  using Batch = std::array<std::optional<detail::QueuedTask>, kMaxBatch>;
  // What one worker carries from one visit to the queue to the next.
  struct WorkerState {
    Batch batch;
    std::array<detail::SlotRecorder::Run, kMaxBatch> runs;
    std::optional<Clock::time_point> last_end;
    bool last_run_short = false;  // only a worker whose tasks are short takes several at once
  };

  SubmitResult submit_box(SubmitMode mode, TaskOptions&& options, detail::TaskBox&& fn);
  SubmitStatus wait_for_room(std::unique_lock<std::mutex>& lock, const SubmitMode& mode);
  size_t pending_locked() const noexcept { return queue_.size() + claimed_; }
  void grow_if_backed_up();
  bool spawn_worker();
  void worker_main(size_t slot, detail::WorkerMetrics& metrics);
  size_t next_tasks(std::unique_lock<std::mutex>& lock, WorkerState& worker, bool& waited,
                    bool& wake_another);
  bool wait_for_work(std::unique_lock<std::mutex>& lock);
  void spin_for_work(std::unique_lock<std::mutex>& lock);
  size_t run_batch(WorkerState& worker, size_t taken, bool waited,
                   detail::WorkerMetrics& metrics);
  void return_unstarted(WorkerState& worker, size_t taken, size_t done);
  RunTimes execute(detail::QueuedTask& task, detail::WorkerMetrics& metrics,
                   Clock::time_point start);
  RunResult run_guarded(detail::QueuedTask& task, TaskContext& ctx);
  void handle_failure(detail::QueuedTask& task, detail::WorkerMetrics& metrics,
                      Clock::duration wait, Clock::duration run);
  bool requeue(detail::QueuedTask& task, detail::WorkerMetrics& metrics);
  void finish(detail::QueuedTask& task, TaskOutcome outcome, Clock::duration wait,
              Clock::duration run);
  void log_failure(const TaskFailure& failure) const noexcept;
  void join_workers();
  void fill_locked(PoolStats& stats) const;

  // Read by workers outside the lock, and never written after construction (the stop state
  // itself lives elsewhere): kept off the cache lines the lock's holders write.
  const PoolOptions options_;
  std::stop_source stop_source_;  // requested by kCancel; tasks see it through TaskContext
  const std::stop_token stop_token_;
  mutable detail::PoolMetrics metrics_;
  DeadLetterList dead_letters_;
  std::vector<Slot> slots_;  // guarded by mutex_, but touched only when threads come and go

  // The lock and what it guards on every submit and take, together on their own lines.
  alignas(64) mutable std::mutex mutex_;
  detail::TaskQueue queue_;
  State state_ = State::kRunning;
  TaskId next_id_ = 1;
  size_t claimed_ = 0;  // taken by workers with others and not yet started (or given back)
  size_t live_ = 0;
  size_t idle_ = 0;
  // Idle workers signalled that have not woken yet. A submit signals only when none is, and
  // a woken worker passes the signal on while work remains, so one searching worker at a
  // time is woken instead of one per submit (see next_tasks()).
  size_t wakeups_in_flight_ = 0;
  size_t starting_ = 0;  // started threads that have not yet looked at the queue
  // Workers polling for work before they sleep (at most one; see spin_for_work()). Like a
  // wake-up in flight, a spinning worker will take the next task: submit() needs no signal.
  size_t spinning_ = 0;
  size_t peak_ = 0;
  size_t blocked_submitters_ = 0;
  bool joining_ = false;
  bool joined_ = false;
  uint64_t submitted_ = 0;
  uint64_t rejected_ = 0;
  uint64_t cancelled_queued_ = 0;

  // Bumped after every push, under the lock; polled without it by a spinning worker.
  alignas(64) std::atomic<uint64_t> pushes_{0};

  // Signalled outside the lock, so on lines of their own.
  alignas(64) std::condition_variable work_cv_;  // workers wait for tasks
  std::condition_variable room_cv_;              // blocked submitters wait for room
  std::condition_variable joined_cv_;            // late shutdown() callers wait for the first
};

}  // namespace loadgen::targets
