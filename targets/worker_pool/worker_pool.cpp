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

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// glibc's mutex puts a thread to sleep as soon as it finds the lock held, and the holder then
// pays a futex wake. The pool's critical sections last tens of nanoseconds, so on the hot
// paths (submit, a worker coming back for more) a short spin usually gets the lock first.
void lock_spinning(std::unique_lock<std::mutex>& lock) {
  for (int i = 0; i < 100; ++i) {
    if (lock.try_lock()) {
      return;
    }
    cpu_relax();
  }
  lock.lock();
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

SubmitResult WorkerPool::submit_box(SubmitMode mode, TaskOptions&& options,
                                    detail::TaskBox&& fn) {
  const auto now = Clock::now();
  const bool valid = static_cast<bool>(fn) &&
                     static_cast<size_t>(options.priority) < kPriorityCount &&
                     options.max_retries >= 0;
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

  std::unique_lock lock(mutex_, std::defer_lock);
  lock_spinning(lock);
  const SubmitStatus status = valid ? wait_for_room(lock, mode) : SubmitStatus::kInvalidTask;
  if (status != SubmitStatus::kAccepted) {
    ++rejected_;
    return {status, 0};
  }
  const TaskId id = next_id_++;
  task.id = id;
  queue_.push(std::move(task));
  pushes_.fetch_add(1, std::memory_order_release);
  ++submitted_;
  grow_if_backed_up();
  // Wake an idle worker only when no wake-up is already on its way: the woken worker takes
  // this task too, and wakes the next one itself if work remains (next_tasks()). Signalling
  // on every submit instead costs a futex call per task, and the extra woken threads fight
  // over this lock (on 2 cores with 4 workers, a convoy).
  const bool wake = idle_ > 0 && wakeups_in_flight_ == 0 && spinning_ == 0;
  wakeups_in_flight_ += wake ? 1 : 0;
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
    if (pending_locked() < options_.queue_capacity) {
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

// Called with mutex_ held. The backlog is what idle, spinning and just-started threads will
// not take: an idle thread already woken for an earlier task still counts as idle until it
// runs, so comparing with idle_ alone could leave a task queued while the pool is below
// max_threads; a spinning one will take a task without any signal.
void WorkerPool::grow_if_backed_up() {
  const size_t takers = idle_ + starting_ + spinning_;
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
  WorkerState worker;
  std::unique_lock lock(mutex_);
  --starting_;
  while (true) {
    bool waited = false;
    bool wake_another = false;
    const size_t taken = next_tasks(lock, worker, waited, wake_another);
    if (taken == 0) {
      break;
    }
    lock.unlock();
    if (wake_another) {
      work_cv_.notify_one();
    }
    const size_t done = run_batch(worker, taken, waited, metrics);
    lock_spinning(lock);
    return_unstarted(worker, taken, done);
  }
  // Still under the lock: the slot and the live count change together with the decision to
  // leave, so a concurrent spawn or retirement sees a consistent pool.
  slots_[slot].occupied = false;
  --live_;
}

// Called with mutex_ held. Takes tasks into worker.batch and returns how many; 0 when this
// worker should leave (shutdown, or retiring). A worker whose last task was short takes its
// share of the top priority's backlog (up to kMaxBatch) in one visit, so tiny tasks cost one
// lock round trip per batch instead of per task; any other worker takes one task. Taken
// tasks still count against the capacity and as queued until the worker next comes back
// (so stats() may show a batch's started tasks as queued a little longer; never the reverse).
size_t WorkerPool::next_tasks(std::unique_lock<std::mutex>& lock, WorkerState& worker,
                              bool& waited, bool& wake_another) {
  bool spun = false;
  while (true) {
    if (!queue_.empty()) {
      // Its share among all the pool's threads, idle ones included: with a short queue and
      // idle threads about, each task goes to a thread of its own.
      const size_t limit =
          worker.last_run_short ? std::clamp<size_t>(queue_.size() / live_, 1, kMaxBatch) : 1;
      const size_t taken = queue_.pop_batch(worker.batch.data(), limit);
      claimed_ += taken - 1;  // the first starts now
      if (blocked_submitters_ > 0) {
        room_cv_.notify_one();
      }
      // Pass the wake-up on while work remains that this worker did not take.
      wake_another = !queue_.empty() && idle_ > 0 && wakeups_in_flight_ == 0 && spinning_ == 0;
      wakeups_in_flight_ += wake_another ? 1 : 0;
      return taken;
    }
    if (state_ != State::kRunning) {
      return 0;
    }
    waited = true;
    if (!spun && spinning_ == 0) {
      spun = true;
      spin_for_work(lock);
      continue;  // the queue and the state may have changed while the lock was free
    }
    if (!wait_for_work(lock)) {
      return 0;
    }
  }
}

// Without the lock. Runs the batch's tasks in order and returns how many it settled; the
// rest (from the first task after one that ran long) go back to the queue, where idle
// workers can take them instead of waiting behind this one.
size_t WorkerPool::run_batch(WorkerState& worker, size_t taken, bool waited,
                             detail::WorkerMetrics& metrics) {
  size_t recorded = 0;
  size_t done = 0;
  for (; done < taken; ++done) {
    detail::QueuedTask& task = *worker.batch[done];
    if (stop_token_.stop_requested()) {
      // Cancelled before it started, as shutdown(kCancel) does for the queue's tasks. This
      // also settles tasks given back to the queue after the cancel emptied it.
      metrics.cancelled.bump();
      finish(task, TaskOutcome::kCancelled, Clock::now() - task.enqueued_at,
             Clock::duration::zero());
      worker.batch[done].reset();
      worker.last_end.reset();
      continue;
    }
    if (done > 0 && !worker.last_run_short) {
      break;
    }
    // Going straight from one task to the next, the previous end is this start (or the
    // enqueue, if later): one clock read per task instead of two, the difference being
    // only the pop in between.
    const bool fresh = (waited && done == 0) || !worker.last_end;
    const auto start = fresh ? Clock::now() : std::max(*worker.last_end, task.enqueued_at);
    const RunTimes times = execute(task, metrics, start);
    worker.last_end = times.done_at;
    worker.batch[done].reset();  // its captures die now, not when the next task arrives
    if (times.started) {
      worker.runs[recorded++] = {times.wait_ns, times.run_ns};
      worker.last_run_short = times.run_ns < kShortRunNs;
    }
  }
  if (recorded > 0) {
    metrics.latency.record_all({worker.runs.data(), recorded});
  }
  return done;
}

// Called with mutex_ held, after run_batch().
void WorkerPool::return_unstarted(WorkerState& worker, size_t taken, size_t done) {
  for (size_t i = taken; i > done; --i) {  // backwards, so they keep their order at the front
    queue_.push_front(std::move(*worker.batch[i - 1]));
    worker.batch[i - 1].reset();
  }
  claimed_ -= taken - 1;
  // Room made: the batch's other tasks that were settled (the returned ones are queued again).
  const size_t room = done - 1;
  if (room > 0 && blocked_submitters_ > 0) {
    if (room >= blocked_submitters_) {
      room_cv_.notify_all();
    } else {
      for (size_t i = 0; i < room; ++i) {
        room_cv_.notify_one();
      }
    }
  }
}

// Called with mutex_ held; returns with it held. Polls for a new submit for up to 20 us
// before the worker goes to sleep: a steady stream of tiny tasks then finds the worker
// awake, instead of paying a futex wake-up (and a sleep) every few tasks. One worker at a
// time spins, and briefly, so idle pools and busy machines lose next to nothing. The caller
// looks at the queue and the state again afterwards (a shutdown sends no signal to a spinner).
void WorkerPool::spin_for_work(std::unique_lock<std::mutex>& lock) {
  constexpr auto kSpinFor = std::chrono::microseconds(20);
  const uint64_t seen = pushes_.load(std::memory_order_relaxed);
  ++spinning_;
  lock.unlock();
  const auto until = Clock::now() + kSpinFor;
  for (int i = 1; pushes_.load(std::memory_order_acquire) == seen; ++i) {
    if (i % 64 == 0 && Clock::now() >= until) {  // the clock costs more than a poll
      break;
    }
    cpu_relax();
  }
  lock_spinning(lock);
  --spinning_;
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
  // Whichever worker wakes (signalled, timed out or spuriously) looks at the queue next,
  // which is all a pending wake-up was for.
  wakeups_in_flight_ -= wakeups_in_flight_ > 0 ? 1 : 0;
  return keep;
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
  stats.queued = pending_locked();
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
