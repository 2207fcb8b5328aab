#include "targets/refserver/job_registry.hpp"

#include <algorithm>

namespace loadgen::refserver {

void JobRegistry::set_next_id(std::int64_t next_id) {
  std::lock_guard lock(mutex_);
  next_id_ = std::max(next_id_, next_id);
}

JobRegistry::Admission JobRegistry::admit(JobSpec spec, const std::string& key,
                                          const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  if (!key.empty()) {
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      const Entry& existing = jobs_.at(it->second);
      if (existing.record.fingerprint != fingerprint)
        return {Outcome::kConflict, existing.record};
      return {existing.confirmed ? Outcome::kReplay : Outcome::kInProgress, existing.record};
    }
  }
  Entry entry;
  entry.record.id = next_id_++;
  entry.record.spec = std::move(spec);
  entry.record.idempotency_key = key;
  entry.record.fingerprint = fingerprint;
  entry.record.queued_at = std::chrono::system_clock::now();
  entry.steady_queued = std::chrono::steady_clock::now();
  if (!key.empty())
    by_key_.emplace(key, entry.record.id);
  auto record = entry.record;
  jobs_.emplace(record.id, std::move(entry));
  ++active_;
  return {Outcome::kCreated, std::move(record)};
}

void JobRegistry::confirm(std::int64_t id) {
  std::lock_guard lock(mutex_);
  if (auto it = jobs_.find(id); it != jobs_.end())
    it->second.confirmed = true;
}

void JobRegistry::withdraw(std::int64_t id) {
  std::lock_guard lock(mutex_);
  if (jobs_.count(id) != 0)
    --active_;
  forget(id);
}

void JobRegistry::forget(std::int64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end())
    return;
  if (!it->second.record.idempotency_key.empty())
    by_key_.erase(it->second.record.idempotency_key);
  jobs_.erase(it);
}

void JobRegistry::mark_running(std::int64_t id) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end())
    return;
  auto& job = it->second.record;
  job.status = JobStatus::kRunning;
  job.started_at = std::chrono::system_clock::now();
  job.queue_wait_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                it->second.steady_queued)
                          .count();
}

std::optional<JobRecord> JobRegistry::mark_finished(std::int64_t id, JobFinish finish) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end())
    return std::nullopt;
  auto& job = it->second.record;
  if (job.status == JobStatus::kDone || job.status == JobStatus::kFailed)
    return std::nullopt;
  job.status = finish.ok ? JobStatus::kDone : JobStatus::kFailed;
  job.error = std::move(finish.error);
  job.finished_at = std::chrono::system_clock::now();
  job.queue_wait_ms = finish.queue_wait_ms;
  job.run_ms = finish.run_ms;
  --active_;
  return job;
}

void JobRegistry::retire(std::int64_t id) {
  std::lock_guard lock(mutex_);
  finished_order_.push_back(id);
  while (finished_order_.size() > retained_) {
    forget(finished_order_.front());
    finished_order_.pop_front();
  }
}

std::optional<JobRecord> JobRegistry::find(std::int64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end())
    return std::nullopt;
  return it->second.record;
}

std::optional<JobRecord> JobRegistry::find_by_key(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = by_key_.find(key);
  if (it == by_key_.end())
    return std::nullopt;
  return jobs_.at(it->second).record;
}

std::size_t JobRegistry::active() const {
  std::lock_guard lock(mutex_);
  return active_;
}

}  // namespace loadgen::refserver
