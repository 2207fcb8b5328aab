#include "targets/batching/batcher_options.hpp"

#include <fmt/format.h>

namespace loadgen::targets {

std::vector<std::string> BatcherOptions::validate() const {
  std::vector<std::string> problems;
  if (max_batch_items == 0) {
    problems.emplace_back("max_batch_items must be at least 1");
  }
  if (max_age <= std::chrono::nanoseconds::zero()) {
    problems.emplace_back("max_age must be positive");
  }
  if (capacity < max_batch_items) {
    problems.push_back(fmt::format("capacity ({}) must be at least max_batch_items ({})", capacity,
                                   max_batch_items));
  }
  if (max_attempts < 1) {
    problems.emplace_back("max_attempts must be at least 1");
  }
  if (retry_backoff < std::chrono::nanoseconds::zero()) {
    problems.emplace_back("retry_backoff must not be negative");
  }
  if (max_retry_backoff < retry_backoff) {
    problems.emplace_back("max_retry_backoff must be at least retry_backoff");
  }
  return problems;
}

}  // namespace loadgen::targets
