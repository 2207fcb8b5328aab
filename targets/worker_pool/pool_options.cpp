#include "targets/worker_pool/pool_options.hpp"

#include <fmt/format.h>

namespace loadgen::targets {
namespace {

// Each slot carries about 1 MiB of histograms; beyond this a pool is a configuration mistake.
constexpr size_t kMaxThreads = 1024;

}  // namespace

std::vector<std::string> PoolOptions::validate() const {
  std::vector<std::string> problems;
  if (min_threads == 0) {
    problems.emplace_back("min_threads must be at least 1");
  }
  if (max_threads < min_threads) {
    problems.push_back(fmt::format("max_threads ({}) must be at least min_threads ({})",
                                   max_threads, min_threads));
  }
  if (max_threads > kMaxThreads) {
    problems.push_back(
        fmt::format("max_threads ({}) must be at most {}", max_threads, kMaxThreads));
  }
  if (queue_capacity == 0) {
    problems.emplace_back("queue_capacity must be at least 1");
  }
  if (grow_at_queue_depth == 0) {
    problems.emplace_back("grow_at_queue_depth must be at least 1");
  }
  if (idle_timeout <= std::chrono::nanoseconds::zero()) {
    problems.emplace_back("idle_timeout must be positive");
  }
  if (on_destroy != ShutdownMode::kDrain && on_destroy != ShutdownMode::kCancel) {
    problems.emplace_back("on_destroy must be kDrain or kCancel");
  }
  return problems;
}

}  // namespace loadgen::targets
