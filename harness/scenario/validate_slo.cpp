#include <algorithm>

#include <fmt/format.h>

#include "harness/scenario/sections.hpp"
#include "harness/scenario/suggest.hpp"
#include "harness/slo/expression.hpp"

namespace loadgen::scenario {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string check_startup_metric(const slo::Expression& e, const SloContext& context) {
  if (!context.startup_phases) {
    return fmt::format(
        "{} is measured only by a startup: block or on a target that loadgen starts (add "
        "startup: or target.start)",
        e.metric);
  }
  const auto& phases = *context.startup_phases;
  const std::string phase = e.metric.substr(std::string_view("startup.").size());
  if (contains(phases, phase))
    return {};
  auto hint = did_you_mean(phase, phases);
  if (hint.empty())
    hint = fmt::format(" (the phases are {})", fmt::join(phases, ", "));
  return fmt::format("there is no startup phase named '{}'{}", phase, hint);
}

std::string check_target_metric(const slo::Expression& e, const SloContext& context) {
  if (context.resources_disabled) {
    return fmt::format(
        "{} needs the resources probe, which probes.resources.enabled: false "
        "turns off",
        e.metric);
  }
  if (context.samples_target)
    return {};
  return fmt::format(
      "{} is measured only on a target that loadgen starts (add target.start, or "
      "probes.resources.pid_file)",
      e.metric);
}

std::string check_scraped_metric(const slo::Expression& e, const SloContext& context) {
  if (!context.scrapes_metrics) {
    return fmt::format("{} is read from the target's metrics endpoint: add probes.metrics (e.g. url: /metrics)",
                       e.metric);
  }
  return {};
}

// What the expression refers to must exist in this scenario; the parser has already checked
// its form. Returns the problem, or "".
std::string check_metric(const slo::Expression& e, const SloContext& context) {
  if (e.metric.starts_with("startup."))
    return check_startup_metric(e, context);
  if (e.metric.starts_with("target.metric."))
    return check_scraped_metric(e, context);
  if (e.metric.starts_with("target."))
    return check_target_metric(e, context);
  if (e.metric == "capacity") {
    if (!context.search) return "capacity.* is what a capacity search finds: add search: to load";
    if (!e.tags.empty()) return "capacity.* is one figure for the whole search: it takes no tags";
    return {};
  }
  // Without request names the requests section failed and has said so already.
  if (e.metric == "http" || e.metric == "send_lag" || context.request_names.empty() ||
      contains(context.request_names, e.metric)) {
    return {};
  }
  std::vector<std::string> candidates = context.request_names;
  candidates.insert(candidates.end(), {"http", "send_lag"});
  return fmt::format(
      "SLO metric '{}' is not http, send_lag, a request name, startup.<phase> or "
      "target.*{}",
      e.metric, did_you_mean(e.metric, candidates));
}

std::string check_tags(const slo::Expression& e, const SloContext& context) {
  if (e.metric.starts_with("target.metric.") && e.tags.contains("name")) {
    return "a target metric's series are chosen by its labels ({route=\"/a\"}); name= scopes request metrics";
  }
  const bool scoped_family = e.metric.starts_with("startup.") ||
                             (e.metric.starts_with("target.") && !e.metric.starts_with("target.metric."));
  if (!e.tags.empty() && scoped_family) {
    return fmt::format("stage, window and name tags scope request metrics (http, send_lag, a request "
                       "name), not {}",
                       e.metric);
  }
  if (auto it = e.tags.find("stage"); it != e.tags.end() && context.search) {
    return "a capacity search's trials have no stages: judge the whole trial, or a window ({window=5s})";
  }
  if (auto it = e.tags.find("stage"); it != e.tags.end() && !context.stage_names.empty() &&
                                      !contains(context.stage_names, it->second)) {
    return fmt::format("there is no stage named '{}'{}", it->second,
                       did_you_mean(it->second, context.stage_names));
  }
  if (auto it = e.tags.find("name"); it != e.tags.end() && !context.request_names.empty() &&
                                     !contains(context.request_names, it->second)) {
    return fmt::format("there is no request named '{}'{}", it->second,
                       did_you_mean(it->second, context.request_names));
  }
  if (e.symbolic_threshold == "target" && context.model != LoadModel::kArrivalRate) {
    return "'target' as a threshold is the target rate of model: arrival-rate; under vus there "
           "is none";
  }
  return {};
}

}  // namespace

std::vector<SloSpec> read_slos(Reader& r, const Field& field, const SloContext& context) {
  std::vector<SloSpec> slos;
  auto items = r.sequence(field, "SLO");
  if (!items)
    return slos;
  for (const auto& item : *items) {
    auto text = r.text(item);
    if (!text)
      continue;
    auto parsed = slo::parse(*text);
    if (!parsed) {
      r.error(item, fmt::format("bad SLO '{}': {}", *text, parsed.error()));
      continue;
    }
    auto problem = check_metric(*parsed, context);
    if (problem.empty())
      problem = check_tags(*parsed, context);
    if (!problem.empty()) {
      r.error(item, problem);
      continue;
    }
    slos.push_back({parsed->text, r.where(item.value)});
  }
  return slos;
}

}  // namespace loadgen::scenario
