#include "targets/refserver/job_record.hpp"

#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace loadgen::refserver {

std::string_view to_string(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
      return "queued";
    case JobStatus::kRunning:
      return "running";
    case JobStatus::kDone:
      return "done";
    case JobStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

std::optional<JobStatus> job_status_from(std::string_view text) {
  for (auto status :
       {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kDone, JobStatus::kFailed}) {
    if (to_string(status) == text)
      return status;
  }
  return std::nullopt;
}

std::int64_t to_unix_ms(SysTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

SysTime from_unix_ms(std::int64_t ms) {
  return SysTime{std::chrono::milliseconds(ms)};
}

std::string format_time(SysTime time) {
  const auto ms = to_unix_ms(time);
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
}

nlohmann::json job_to_json(const JobRecord& job) {
  auto time_or_null = [](const std::optional<SysTime>& t) {
    return t ? nlohmann::json(format_time(*t)) : nlohmann::json(nullptr);
  };
  auto number_or_null = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json out{{"id", job.id},
                     {"kind", job.spec.kind},
                     {"status", to_string(job.status)},
                     {"queued_at", format_time(job.queued_at)},
                     {"started_at", time_or_null(job.started_at)},
                     {"finished_at", time_or_null(job.finished_at)},
                     {"queue_wait_ms", number_or_null(job.queue_wait_ms)},
                     {"run_ms", number_or_null(job.run_ms)}};
  if (job.status == JobStatus::kFailed)
    out["error"] = job.error;
  return out;
}

}  // namespace loadgen::refserver
