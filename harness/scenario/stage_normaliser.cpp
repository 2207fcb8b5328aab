#include "harness/scenario/stage_normaliser.hpp"

#include <fmt/format.h>

namespace loadgen::scenario {

std::vector<Stage> normalise_stages(const std::vector<StageStep>& steps, double start_level) {
  std::vector<Stage> stages;
  stages.reserve(steps.size());
  double level = start_level;
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    Stage stage;
    stage.name = step.name.empty() ? fmt::format("stage {}", i + 1) : step.name;
    stage.duration = step.duration;
    stage.where = step.where;
    switch (step.kind) {
      case StageStep::Kind::kRamp:
        stage.from = level;
        stage.to = step.level;
        break;
      case StageStep::Kind::kHold:
        stage.from = level;
        stage.to = level;
        break;
      case StageStep::Kind::kJump:
        stage.from = step.level;
        stage.to = step.level;
        break;
    }
    level = stage.to;
    stages.push_back(std::move(stage));
  }
  return stages;
}

}  // namespace loadgen::scenario
