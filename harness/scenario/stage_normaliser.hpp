#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"

// Turns the stages as written (ramp to a level, hold, jump to a level and hold) into the
// model's {from, to, duration} pieces. Pure, so the load profile can be tested without YAML.
namespace loadgen::scenario {

struct StageStep {
  enum class Kind {
    kRamp,  // { to: L, over: D }: from the current level to L, linearly (D == 0 is a jump)
    kHold,  // { hold: D }: stay at the current level
    kJump,  // { rate: L, hold: D } / { vus: L, hold: D }: jump to L and stay there
  };
  Kind kind = Kind::kHold;
  double level = 0;  // the level reached (ramp) or held (jump); unused for kHold
  Nanos duration{0};
  std::string name;  // empty: named "stage N" by position, counting from 1
  SourceLocation where;
};

std::vector<Stage> normalise_stages(const std::vector<StageStep>& steps, double start_level);

}  // namespace loadgen::scenario
