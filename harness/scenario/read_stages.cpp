#include <array>

#include <fmt/format.h>

#include "harness/scenario/sections.hpp"
#include "harness/scenario/stage_normaliser.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 6> kStageKeys = {"to",   "over", "hold",
                                                        "rate", "vus",  "name"};

// The keys of one stage, by role under the scenario's model.
struct StageKeys {
  const Field* to;
  const Field* over;
  const Field* hold;
  const Field* level;  // rate: (arrival-rate) or vus: (vus)
  std::string_view level_key;
};

StageStep read_jump(Reader& r, const StageKeys& k, LoadModel model) {
  StageStep step;
  step.kind = StageStep::Kind::kJump;
  if (k.to || k.over) {
    r.error(r.key_where(k.to ? *k.to : *k.over),
            fmt::format("a stage either jumps ({}: + hold:) or ramps (to: + over:), not both",
                        k.level_key));
  } else if (!k.hold) {
    r.error(r.key_where(*k.level),
            fmt::format("{}: needs hold: beside it (how long to stay at that level)", k.level_key));
  }
  if (auto level = read_level(r, *k.level, model))
    step.level = *level;
  if (k.hold)
    step.duration = r.duration(*k.hold, Sign::kPositive).value_or(Nanos{0});
  return step;
}

StageStep read_ramp(Reader& r, const StageKeys& k, LoadModel model) {
  StageStep step;
  step.kind = StageStep::Kind::kRamp;
  if (k.hold) {
    r.error(r.key_where(*k.hold), "a stage either ramps (to: + over:) or holds (hold:), not both");
  }
  if (!k.over)
    r.error(r.key_where(*k.to), "to: needs over: beside it (over: 0s for a jump)");
  if (!k.to)
    r.error(r.key_where(*k.over), "over: needs to: beside it");
  if (k.to)
    step.level = read_level(r, *k.to, model).value_or(0);
  if (k.over)
    step.duration = r.duration(*k.over, Sign::kNonNegative).value_or(Nanos{0});
  return step;
}

std::optional<StageStep> read_step(Reader& r, const Field& item, LoadModel model) {
  auto fields = r.mapping(item, "in a stage", kStageKeys);
  if (!fields)
    return std::nullopt;
  const size_t errors_before = r.error_count();
  const bool open = model == LoadModel::kArrivalRate;
  const StageKeys keys{fields->find("to"), fields->find("over"), fields->find("hold"),
                       fields->find(open ? "rate" : "vus"), open ? "rate" : "vus"};
  if (const auto* foreign = fields->find(open ? "vus" : "rate")) {
    r.error(r.key_where(*foreign),
            fmt::format("'{}' applies only to model: {} (use {}:)", foreign->name,
                        open ? "vus" : "arrival-rate", keys.level_key));
  }
  StageStep step;
  if (keys.level) {
    step = read_jump(r, keys, model);
  } else if (keys.to || keys.over) {
    step = read_ramp(r, keys, model);
  } else if (keys.hold) {
    step.duration = r.duration(*keys.hold, Sign::kPositive).value_or(Nanos{0});
  } else if (r.error_count() == errors_before) {
    r.error(item, fmt::format("a stage needs to: + over:, hold:, or {}: + hold:", keys.level_key));
  }
  step.where = r.where(item.value);
  if (const auto* f = fields->find("name"))
    step.name = r.text(*f).value_or("");
  if (r.error_count() != errors_before)
    return std::nullopt;
  return step;
}

void check_stage_names(Reader& r, const std::vector<Stage>& stages) {
  for (size_t i = 0; i < stages.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (stages[j].name != stages[i].name)
        continue;
      r.error(stages[i].where, fmt::format("stage name '{}' is used twice (first at line {})",
                                           stages[i].name, stages[j].where.line));
      break;
    }
  }
}

}  // namespace

std::vector<Stage> read_stages(Reader& r, const Field& field, LoadModel model, double start) {
  auto items = r.sequence(field, "stage");
  if (!items)
    return {};
  if (items->empty()) {
    r.error(field, "stages is empty: give at least one stage");
    return {};
  }
  std::vector<StageStep> steps;
  bool all_read = true;
  for (const auto& item : *items) {
    auto step = read_step(r, item, model);
    all_read = all_read && step.has_value();
    if (step)
      steps.push_back(std::move(*step));
  }
  auto stages = normalise_stages(steps, start);
  check_stage_names(r, stages);
  // Summed in a double: stage durations each under the limit may overflow 64-bit nanoseconds
  // together (and the plan then ran with negative times, for one second).
  constexpr double kLongestPlanNs = 1e18;  // about 31 years, the longest single duration too
  double total_ns = 0;
  for (const auto& s : stages) {
    total_ns += static_cast<double>(s.duration.count());
    if (total_ns > kLongestPlanNs) {
      r.error(s.where, fmt::format("the stages up to '{}' last more than 31 years in total: no plan may", s.name));
      return {};
    }
  }
  const Nanos total{static_cast<int64_t>(total_ns)};
  if (all_read && total.count() == 0) {
    r.error(field, "the stages last 0s in total: give at least one a duration");
  }
  return stages;
}

}  // namespace loadgen::scenario
