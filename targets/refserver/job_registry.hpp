#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "targets/refserver/job_record.hpp"

// Every active job and the most recent finished ones, with their idempotency keys. Older
// finished jobs are dropped from memory (they remain in the ledger), so a soak test cannot
// grow the server without bound. Thread-safe.
namespace loadgen::refserver {

class JobRegistry {
 public:
  explicit JobRegistry(std::size_t retained_finished) : retained_(retained_finished) {}

  // Job ids continue after the ones already in the ledger, so they stay unique across restarts.
  void set_next_id(std::int64_t next_id);

  enum class Outcome {
    kCreated,     // a new job, queued but not yet confirmed
    kReplay,      // same key, same body: the first job
    kConflict,    // same key, another body
    kInProgress,  // same key while the first request is still being admitted
  };
  struct Admission {
    Outcome outcome;
    JobRecord job;
  };

  // Atomically finds the job for `key` or creates a new one. An empty key never matches.
  Admission admit(JobSpec spec, const std::string& key, const std::string& fingerprint);

  // The pool took the job: retries with its key may now replay it.
  void confirm(std::int64_t id);
  // The pool refused the job: forget it and its key, so a retry may try again.
  void withdraw(std::int64_t id);

  void mark_running(std::int64_t id);
  // Returns the final record, for the ledger; nullopt for unknown or already finished ids.
  // Memory is only released by retire().
  std::optional<JobRecord> mark_finished(std::int64_t id, JobFinish finish);
  // The record is durable elsewhere; it may now be evicted when too many are finished.
  void retire(std::int64_t id);

  std::optional<JobRecord> find(std::int64_t id) const;
  std::optional<JobRecord> find_by_key(const std::string& key) const;
  // Jobs queued or running (not yet finished).
  std::size_t active() const;

 private:
  struct Entry {
    JobRecord record;
    bool confirmed = false;
    // Queue wait of a running job; final timings come from the pool instead.
    std::chrono::steady_clock::time_point steady_queued;
  };
  void forget(std::int64_t id);

  const std::size_t retained_;
  mutable std::mutex mutex_;
  std::int64_t next_id_ = 1;
  std::unordered_map<std::int64_t, Entry> jobs_;
  std::unordered_map<std::string, std::int64_t> by_key_;
  std::deque<std::int64_t> finished_order_;
  std::size_t active_ = 0;
};

}  // namespace loadgen::refserver
