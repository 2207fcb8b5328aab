#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

// What the server knows about one job, from POST /api/jobs to its end.
namespace loadgen::refserver {

enum class JobStatus { kQueued, kRunning, kDone, kFailed };

std::string_view to_string(JobStatus status);
std::optional<JobStatus> job_status_from(std::string_view text);

using SysTime = std::chrono::system_clock::time_point;

struct JobSpec {
  std::string kind;
  std::int64_t work_ms = 0;
};

struct JobRecord {
  std::int64_t id = 0;
  JobSpec spec;
  JobStatus status = JobStatus::kQueued;
  std::string error;            // why it failed
  std::string idempotency_key;  // empty when the client sent none
  std::string fingerprint;      // the canonical request body, to tell a retry from a reuse
  SysTime queued_at{};
  std::optional<SysTime> started_at;
  std::optional<SysTime> finished_at;
  std::optional<double> queue_wait_ms;
  std::optional<double> run_ms;
};

// How a job ended, as the worker pool reports it.
struct JobFinish {
  bool ok = false;
  std::string error;
  double queue_wait_ms = 0;
  double run_ms = 0;  // 0 when it never started
};

// {"id", "kind", "status", "queued_at", "started_at", "finished_at", "queue_wait_ms",
//  "run_ms", "error"}: times as RFC 3339 UTC with milliseconds, absent ones null.
nlohmann::json job_to_json(const JobRecord& job);

std::string format_time(SysTime time);
std::int64_t to_unix_ms(SysTime time);
SysTime from_unix_ms(std::int64_t ms);

}  // namespace loadgen::refserver
