#include "harness/scenario/read_scenario.hpp"

#include <unordered_set>
#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "harness/scenario/sections.hpp"
#include "harness/scenario/suggest.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 11> kTopKeys = {"name",  "target",  "load",   "requests", "flows", "feeds",
                                                       "startup", "probes", "slo", "report", "baseline"};
// What target.start times of its single start (see probes/startup_run.hpp).
constexpr std::array<std::string_view, 2> kStartPhases = {"listening", "ready"};
constexpr std::array<std::string_view, 1> kReportKeys = {"dir"};

bool is_scenario_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::string read_name(Reader& r, const Fields& fields, const YAML::Node& root) {
  const auto* f = fields.find("name");
  if (!f) {
    r.error(r.where(root), "the scenario needs a name: (letters, digits, _ . -)");
    return {};
  }
  auto name = r.text(*f);
  if (name && !is_scenario_name(*name)) {
    r.error(*f, fmt::format("name must be letters, digits, _ . and - (it names the report "
                            "folder), not '{}'",
                            *name));
  }
  return name.value_or("");
}

std::string read_report_dir(Reader& r, const Fields& fields, const std::string& name) {
  const std::string fallback = "reports/out/" + name;
  const auto* f = fields.find("report");
  if (!f)
    return fallback;
  auto report = r.mapping(*f, "in report", kReportKeys);
  const auto* dir = report ? report->find("dir") : nullptr;
  if (!dir)
    return fallback;
  auto text = r.text(*dir);
  if (text && text->empty())
    r.error(*dir, "dir is empty");
  return text && !text->empty() ? *text : fallback;
}

const Field* require(Reader& r, const Fields& fields, const YAML::Node& root, std::string_view key,
                     std::string_view example) {
  const auto* f = fields.find(key);
  if (!f)
    r.error(r.where(root), fmt::format("the scenario needs {}: ({})", key, example));
  return f;
}

// A profile needs a process and stages that exist.
void check_profile(Reader& r, const Scenario& s, bool target_pid_given) {
  const auto& p = *s.probes.profile;
  if (!s.target.start && !s.probes.resources.pid_file && !target_pid_given && s.has_load()) {
    r.error(p.where, "probes.profile needs the target's process: add target.start, probes.resources.pid_file or --target-pid");
  }
  if (s.load.search) {
    r.error(p.where, "a capacity search's trials are not profiled: profile a run at the rate it found");
    return;
  }
  std::vector<std::string> names;
  for (const auto& stage : s.load.stages) names.push_back(stage.name);
  for (const auto& stage : p.stages) {
    if (std::find(names.begin(), names.end(), stage.name) != names.end()) continue;
    auto hint = did_you_mean(stage.name, names);
    if (hint.empty()) hint = names.empty() ? "" : fmt::format(" (the stages are {})", fmt::join(names, ", "));
    r.error(stage.where, fmt::format("there is no stage named '{}' to profile{}", stage.name, hint));
  }
}

SloContext slo_context(const Scenario& s, bool target_pid_given) {
  SloContext context;
  for (const auto& request : s.requests)
    context.request_names.push_back(request.name);
  for (const auto& flow : s.flows) {
    context.request_names.push_back(flow.name);
    for (const auto& step : flow.steps) {
      context.request_names.push_back(step.request.name);
      if (!step.since_start.empty())
        context.request_names.push_back(step.since_start);
    }
  }
  for (const auto& stage : s.load.stages)
    context.stage_names.push_back(stage.name);
  context.starts_target = s.target.start.has_value();
  context.model = s.load.model;
  if (s.startup) {
    context.startup_phases.emplace();
    for (const auto& phase : s.startup->phases)
      context.startup_phases->push_back(phase.name);
  } else if (s.target.start) {
    context.startup_phases.emplace(kStartPhases.begin(), kStartPhases.end());
  }
  context.samples_target = s.target.start || s.probes.resources.pid_file || target_pid_given;
  context.resources_disabled = !s.probes.resources.enabled;
  context.scrapes_metrics = s.probes.metrics.has_value();
  context.search = s.load.search.has_value();
  return context;
}

// A start-up-only scenario needs no load; otherwise target, load and requests go together.
void read_load_sections(Reader& r, const Fields& fields, const YAML::Node& root, Scenario& s) {
  const bool load_given = fields.has("load") || fields.has("requests") || fields.has("flows");
  if (fields.has("startup") && !load_given) {
    // A target: beside a startup: block alone is someone reaching for the start-up port.
    if (const auto* t = fields.find("target")) {
      r.error(*t, "a start-up-only scenario leaves out target, load and requests; give startup.port for a fixed port");
    }
    return;
  }
  if (const auto* f = require(r, fields, root, "target", "base_url: ..."))
    s.target = read_target(r, *f);
  if (const auto* f = require(r, fields, root, "load", "rate: and duration:, or stages:"))
    s.load = read_load(r, *f);
  if (fields.has("flows") && !fields.has("requests")) {
    // Flows alone are a load of their own.
  } else if (const auto* f = require(r, fields, root, "requests", "a list such as - get: /")) {
    s.requests = read_requests(r, *f);
  }
  if (const auto* f = fields.find("feeds"))
    s.feeds = read_feeds(r, *f, r.where(root).file);
  if (const auto* f = fields.find("flows")) {
    std::unordered_set<std::string> taken;
    for (const auto& request : s.requests)
      taken.insert(request.name);
    s.flows = read_flows(r, *f, s.feeds, taken);
  } else if (!s.feeds.empty()) {
    r.error(r.key_where(*fields.find("feeds")), "feeds: are read by flows: only; there are none");
  }
}

}  // namespace

Scenario read_scenario(Reader& r, const YAML::Node& root, bool target_pid_given) {
  Scenario s;
  if (!root.IsMap()) {
    r.error(r.where(root), fmt::format("a scenario is a YAML mapping (name:, target:, load:, "
                                       "requests:), not {}",
                                       describe(root)));
    return s;
  }
  auto fields = r.mapping({"the scenario", std::nullopt, root}, "at the top level", kTopKeys);
  s.name = read_name(r, *fields, root);
  read_load_sections(r, *fields, root, s);
  if (const auto* f = fields->find("startup"))
    s.startup = read_startup(r, *f);
  if (const auto* f = fields->find("probes"))
    s.probes = read_probes(r, *f);
  if (s.probes.profile) check_profile(r, s, target_pid_given);
  if (s.probes.metrics && !s.target.start) {
    const auto& vars = s.probes.metrics->url.variables();
    if (std::find(vars.begin(), vars.end(), "port") != vars.end()) {
      r.error(s.probes.metrics->where,
              "${port} in probes.metrics.url needs target.start: the port is learned from the target loadgen starts");
    }
  }
  if (const auto* f = fields->find("slo"))
    s.slos = read_slos(r, *f, slo_context(s, target_pid_given));
  if (s.load.search) {
    const bool judged = std::any_of(s.slos.begin(), s.slos.end(),
                                    [](const SloSpec& slo) { return !slo.expression.starts_with("capacity."); });
    if (!judged && r.error_count() == 0) {
      r.error(s.load.search->where, "a capacity search judges each trial by the SLOs: add slo: (e.g. http.p99 < 200ms)");
    }
  }
  if (const auto* f = fields->find("baseline"))
    s.baseline = read_baseline(r, *f);
  s.report_dir = read_report_dir(r, *fields, s.name);
  return s;
}

}  // namespace loadgen::scenario
