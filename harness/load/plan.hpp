#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

// The load profile over time: piecewise-linear level (requests per second in the open model,
// virtual users in the closed one), its integral, and the inverse of the integral, which
// gives request i its intended start time. Pure: it can be printed without running anything.
namespace loadgen::load {

using Nanos = std::chrono::nanoseconds;

struct PlanStage {
  std::string name;
  double from = 0;
  double to = 0;
  Nanos duration{0};
};

class Plan {
 public:
  explicit Plan(std::vector<PlanStage> stages);

  Nanos duration() const { return total_; }
  const std::vector<PlanStage>& stages() const { return stages_; }

  double level_at(Nanos t) const;       // level at time t (0 after the end)
  double cumulative(Nanos t) const;     // integral of the level from 0 to t (level-seconds)
  double total() const { return cumulative(total_); }
  // How many requests the open model sends: request i (from 0) is due when the integral
  // reaches i, for every i below the total. A plan whose integral is N (within rounding, as
  // 1/s for 1 s or 300/s for 10 s) sends exactly N, run after run; a fractional total rounds up.
  uint64_t request_count() const;
  // The time at which cumulative() reaches n, or nothing when it never does.
  std::optional<Nanos> time_of(double n) const;
  // Index of the stage running at time t (the last stage after the end).
  size_t stage_at(Nanos t) const;
  Nanos stage_start(size_t index) const { return starts_[index]; }
  double max_level() const;

  // One line per stage: "ramp      0s..30s   0 -> 500/s   7.5k requests".
  std::string describe(bool closed_model) const;

 private:
  std::vector<PlanStage> stages_;
  std::vector<Nanos> starts_;
  std::vector<double> cumulative_at_start_;
  Nanos total_{0};
};

}  // namespace loadgen::load
