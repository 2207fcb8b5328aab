#include "targets/worker_pool/submit.hpp"

namespace loadgen::targets {

std::string_view to_string(SubmitStatus status) noexcept {
  switch (status) {
    case SubmitStatus::kAccepted:
      return "accepted";
    case SubmitStatus::kQueueFull:
      return "queue full";
    case SubmitStatus::kDeadlineExceeded:
      return "no room before the deadline";
    case SubmitStatus::kShuttingDown:
      return "shutting down";
    case SubmitStatus::kInvalidTask:
      return "invalid task";
  }
  return "unknown submit status";
}

std::string_view to_string(Priority priority) noexcept {
  switch (priority) {
    case Priority::kHigh:
      return "high";
    case Priority::kNormal:
      return "normal";
    case Priority::kLow:
      return "low";
  }
  return "unknown priority";
}

}  // namespace loadgen::targets
