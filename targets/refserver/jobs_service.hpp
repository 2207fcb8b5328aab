#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "targets/refserver/db_query_times.hpp"
#include "targets/refserver/job_ledger.hpp"
#include "targets/refserver/job_registry.hpp"
#include "targets/worker_pool/worker_pool.hpp"

// POST /api/jobs and GET /api/jobs/{id} behind the HTTP layer: idempotent admission, the
// worker pool that runs jobs, and the ledger that keeps their history. Thread-safe.
namespace loadgen::refserver {

struct JobsOptions {
  int workers = 2;
  std::size_t queue_capacity = 1000;
  std::size_t retained = 100000;
  std::chrono::milliseconds job_timeout{120'000};
};

struct JobsFigures {
  targets::PoolStats pool;
  std::size_t active = 0;             // queued or running, as the registry counts them
  std::uint64_t ledger_failures = 0;  // finished jobs whose row could not be written
};

class JobsService {
 public:
  explicit JobsService(const JobsOptions& options);
  ~JobsService();
  JobsService(const JobsService&) = delete;
  JobsService& operator=(const JobsService&) = delete;

  // The queue store is open: submissions are accepted from now on.
  void attach_ledger(std::unique_ptr<JobLedger> ledger);
  bool ready() const { return ledger_ready_.load(std::memory_order_acquire); }

  enum class Outcome { kAccepted, kReplay, kConflict, kInProgress, kRejected, kNotReady, kError };
  struct Submitted {
    Outcome outcome;
    JobRecord job;        // the new or first job, for kAccepted, kReplay, kConflict, kInProgress
    std::string message;  // why, for kRejected and kError
  };
  Submitted submit(JobSpec spec, const std::string& key, const std::string& fingerprint);

  // nullopt for an unknown id; an error when the ledger cannot be read.
  core::Expected<std::optional<JobRecord>> find(std::int64_t id);

  // Stops accepting, runs every queued job to its end and records it. Idempotent.
  void drain();

  JobsFigures figures() const;
  // ledger_write, ledger_find and ledger_find_by_key. They include the wait for the ledger's
  // one connection, which is part of what a request waits for.
  const DbQueryTimes& query_times() const { return query_times_; }

 private:
  std::optional<Submitted> replay_from_ledger(const std::string& key,
                                              const std::string& fingerprint);
  void on_complete(std::int64_t id, const targets::TaskReport& report);

  JobsOptions options_;
  JobRegistry registry_;
  std::unique_ptr<JobLedger> ledger_;
  std::atomic<bool> ledger_ready_{false};
  std::atomic<std::uint64_t> ledger_failures_{0};
  DbQueryTimes query_times_;
  // Last member: its threads call back into the registry and ledger, so it stops first.
  targets::WorkerPool pool_;
};

}  // namespace loadgen::refserver
