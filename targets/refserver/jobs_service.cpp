#include "targets/refserver/jobs_service.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "targets/refserver/job_work.hpp"

namespace loadgen::refserver {
namespace {

targets::PoolOptions pool_options(const JobsOptions& options) {
  targets::PoolOptions pool;
  pool.min_threads = static_cast<size_t>(options.workers);
  pool.max_threads = static_cast<size_t>(options.workers);
  pool.queue_capacity = options.queue_capacity;
  // A failed job is reported through GET /api/jobs/{id} and /metrics; a line per failure on
  // stderr would flood the log of a load test that submits failing jobs on purpose.
  pool.error_logger = [](const targets::TaskFailure&) {};
  return pool;
}

double to_ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

JobsService::JobsService(const JobsOptions& options)
    : options_(options), registry_(options.retained), pool_(pool_options(options)) {}

JobsService::~JobsService() {
  drain();
}

void JobsService::attach_ledger(std::unique_ptr<JobLedger> ledger) {
  if (auto max_id = ledger->max_id())
    registry_.set_next_id(*max_id + 1);
  ledger_ = std::move(ledger);
  ledger_ready_.store(true, std::memory_order_release);
}

std::optional<JobsService::Submitted> JobsService::replay_from_ledger(
    const std::string& key, const std::string& fingerprint) {
  if (key.empty() || registry_.find_by_key(key))
    return std::nullopt;
  auto old =
      query_times_.time(DbQuery::kLedgerFindByKey, [&] { return ledger_->find_by_key(key); });
  if (!old)
    return Submitted{Outcome::kError, {}, old.error()};
  if (!old->has_value())
    return std::nullopt;
  const JobRecord& job = **old;
  return Submitted{job.fingerprint == fingerprint ? Outcome::kReplay : Outcome::kConflict, job, {}};
}

JobsService::Submitted JobsService::submit(JobSpec spec, const std::string& key,
                                           const std::string& fingerprint) {
  if (!ready())
    return {Outcome::kNotReady, {}, "the job queue is still starting"};
  if (auto replay = replay_from_ledger(key, fingerprint))
    return std::move(*replay);
  auto admission = registry_.admit(spec, key, fingerprint);
  switch (admission.outcome) {
    case JobRegistry::Outcome::kReplay:
      return {Outcome::kReplay, admission.job, {}};
    case JobRegistry::Outcome::kConflict:
      return {Outcome::kConflict, admission.job, {}};
    case JobRegistry::Outcome::kInProgress:
      return {Outcome::kInProgress, admission.job, {}};
    case JobRegistry::Outcome::kCreated:
      break;
  }
  const auto id = admission.job.id;
  targets::TaskOptions task;
  task.name = spec.kind;
  task.timeout = options_.job_timeout;
  task.on_complete = [this, id](const targets::TaskReport& report) { on_complete(id, report); };
  auto result = pool_.submit(targets::SubmitMode::reject(), std::move(task),
                             [this, id, spec = std::move(spec)](targets::TaskContext& context) {
                               registry_.mark_running(id);
                               run_job(spec, context);
                             });
  if (!result.accepted()) {
    registry_.withdraw(id);
    return {Outcome::kRejected, {}, std::string(targets::to_string(result.status))};
  }
  registry_.confirm(id);
  return {Outcome::kAccepted, admission.job, {}};
}

void JobsService::on_complete(std::int64_t id, const targets::TaskReport& report) {
  JobFinish finish;
  finish.ok = report.outcome == targets::TaskOutcome::kCompleted;
  if (!finish.ok) {
    finish.error = report.error.empty() ? std::string(targets::to_string(report.outcome))
                                        : std::string(report.error);
  }
  finish.queue_wait_ms = to_ms(report.queue_wait);
  finish.run_ms = to_ms(report.run_time);
  auto record = registry_.mark_finished(id, std::move(finish));
  if (!record)
    return;
  if (!query_times_.time(DbQuery::kLedgerWrite, [&] { return ledger_->record(*record); })) {
    ledger_failures_.fetch_add(1, std::memory_order_relaxed);
  }
  registry_.retire(id);
}

core::Expected<std::optional<JobRecord>> JobsService::find(std::int64_t id) {
  if (auto job = registry_.find(id))
    return job;
  if (!ready())
    return std::optional<JobRecord>{};
  return query_times_.time(DbQuery::kLedgerFind, [&] { return ledger_->find(id); });
}

void JobsService::drain() {
  pool_.shutdown(targets::ShutdownMode::kDrain);
}

JobsFigures JobsService::figures() const {
  return {pool_.stats(), registry_.active(), ledger_failures_.load(std::memory_order_relaxed)};
}

}  // namespace loadgen::refserver
