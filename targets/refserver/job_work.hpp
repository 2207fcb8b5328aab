#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness/core/expected.hpp"
#include "targets/refserver/job_record.hpp"

namespace loadgen::targets {
class TaskContext;
}

// The work a job does, by kind:
//   resize  CPU-bound: repeatedly halves a generated greyscale image for work_ms (default 5)
//   sleep   waits work_ms (default 10), like a job blocked on I/O
//   fail    throws, so failure handling can be exercised end to end
namespace loadgen::refserver {

inline constexpr std::int64_t kMaxWorkMs = 60'000;

// Checks and completes a spec parsed from a request ("work_ms" absent: the kind's default).
core::Expected<JobSpec> make_job_spec(const std::string& kind, std::optional<std::int64_t> work_ms);

// Runs on a pool thread. Stops early (throwing TaskStopped) when the pool cancels or the
// task's deadline passes.
void run_job(const JobSpec& spec, targets::TaskContext& context);

}  // namespace loadgen::refserver
