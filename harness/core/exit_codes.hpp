#pragma once

namespace loadgen::core {

// The process exit codes, in one place (DESIGN.md). CI jobs gate on these.
enum class ExitCode : int {
  kOk = 0,            // every SLO held
  kSloFailed = 1,     // an SLO or the baseline comparison failed
  kBadInput = 2,      // bad scenario file or command-line flags
  kTargetFailed = 3,  // the target could not be started or never became ready
  kReportFailed = 4,  // the run ended, but a report could not be written (the others were)
  kInterrupted = 130, // SIGINT/SIGTERM; the report of what ran is still written
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace loadgen::core
