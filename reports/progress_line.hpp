#pragma once

#include <cstdio>

#include "harness/run/runner.hpp"

namespace loadgen::reports {

// One live line on a terminal, rewritten each second: elapsed, stage, target against
// achieved rate, in-flight, the last second's p99, errors.
class ProgressLine final : public run::IntervalObserver {
 public:
  explicit ProgressLine(std::FILE* out) : out_(out) {}
  void on_start(const run::Result& run) override;
  void on_interval(const run::IntervalView& interval) override;
  void on_finish(const run::Result& run) override;

 private:
  std::FILE* out_;
  double planned_s_ = 0;
  bool closed_model_ = false;
  uint64_t errors_ = 0;
};

}  // namespace loadgen::reports
