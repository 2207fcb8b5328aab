#include "targets/worker_pool/task.hpp"

namespace loadgen::targets {

void TaskContext::throw_if_stop_requested() const {
  if (stop_requested()) {
    throw TaskStopped();
  }
}

std::string_view to_string(TaskOutcome outcome) noexcept {
  switch (outcome) {
    case TaskOutcome::kCompleted:
      return "completed";
    case TaskOutcome::kFailed:
      return "failed";
    case TaskOutcome::kTimedOut:
      return "timed out";
    case TaskOutcome::kCancelled:
      return "cancelled";
  }
  return "unknown outcome";
}

}  // namespace loadgen::targets
