#include "harness/run/probe_runs.hpp"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

#include "probes/startup_probe.hpp"

namespace loadgen::run {
namespace {

constexpr size_t kFailureTailLines = 10;

probes::PhaseKind kind_of(scenario::PhaseKind kind) {
  switch (kind) {
    case scenario::PhaseKind::kTcp:
      return probes::PhaseKind::kTcp;
    case scenario::PhaseKind::kLog:
      return probes::PhaseKind::kLog;
    case scenario::PhaseKind::kHttp:
      break;
  }
  return probes::PhaseKind::kHttp;
}

std::vector<std::string> texts(const std::vector<scenario::Template>& templates) {
  std::vector<std::string> out;
  out.reserve(templates.size());
  for (const auto& t : templates) out.push_back(t.text());
  return out;
}

}  // namespace

probes::StartupOptions startup_options_of(const scenario::StartupSpec& spec) {
  probes::StartupOptions options;
  options.argv = texts(spec.command);
  options.env = spec.env;
  options.before_each = texts(spec.before_each);
  for (const auto& phase : spec.phases) options.phases.push_back({phase.name, kind_of(phase.kind), phase.target});
  for (const auto& v : spec.variants) options.variants.push_back({v.name, texts(v.args), v.env});
  options.runs = spec.runs;
  options.timeout = spec.timeout;
  options.stop_grace = spec.stop_grace;
  options.port = spec.port;
  return options;
}

core::Expected<StartupOutcome> run_startup_block(const scenario::StartupSpec& spec,
                                                 const std::atomic<bool>* interrupted) {
  auto result = probes::run_startup_probe(startup_options_of(spec), interrupted);
  if (!result) return core::Expected<StartupOutcome>::failure(result.error());
  return StartupOutcome{true, std::move(result).value()};
}

probes::StartOptions target_start_options(const scenario::StartSpec& spec, const std::string& report_dir) {
  probes::StartOptions options;
  options.argv = texts(spec.command);
  options.env = spec.env;
  options.phases = {{"listening", probes::PhaseKind::kTcp, "${port}"},
                    {"ready", probes::PhaseKind::kHttp, spec.ready_path}};
  options.port = spec.port;
  options.timeout = spec.timeout;
  options.stop_grace = spec.stop_grace;
  options.stdout_path = report_dir + "/target.stdout.log";
  options.stderr_path = report_dir + "/target.stderr.log";
  return options;
}

StartupOutcome single_start_outcome(const probes::StartOptions& options, const probes::TimedStart& start) {
  probes::VariantRuns runs;
  runs.runs = 1;
  for (size_t i = 0; i < options.phases.size(); ++i) {
    probes::PhaseRuns phase;
    phase.name = options.phases[i].name;
    const auto after = i < start.phase_after.size() ? start.phase_after[i] : std::nullopt;
    phase.per_run.push_back(after);
    if (after) {
      phase.histogram.record(std::max<int64_t>(1, after->count()));
    } else {
      phase.missed = 1;
    }
    if (i < start.detection_error.size() && start.detection_error[i]) {
      phase.detection_errors.push_back(*start.detection_error[i]);
    }
    runs.phases.push_back(std::move(phase));
  }
  if (!start.ok()) {
    probes::FailedRun failed;
    failed.phase = start.missed_phase;
    failed.reason = start.failure;
    failed.exit_description = start.exit_description;
    failed.exit_code = start.exit_code;
    failed.stderr_tail = start.stderr_tail;
    runs.failed.push_back(std::move(failed));
  }
  StartupOutcome outcome;
  outcome.result.variants.push_back(std::move(runs));
  outcome.result.interrupted = start.interrupted;
  return outcome;
}

std::string start_failure_text(const probes::TimedStart& start) {
  std::string text = start.failure;
  const auto& tail = start.stderr_tail;
  if (!tail.empty()) {
    text += "\n  last lines of its stderr:";
    const size_t from = tail.size() > kFailureTailLines ? tail.size() - kFailureTailLines : 0;
    for (size_t i = from; i < tail.size(); ++i) text += "\n    " + tail[i];
  }
  return text;
}

ResourceWatch::ResourceWatch(std::chrono::nanoseconds interval, double loadgen_capacity_cores,
                             std::chrono::nanoseconds warmup)
    : interval_(interval),
      loadgen_capacity_cores_(loadgen_capacity_cores),
      slope_{std::max<std::chrono::nanoseconds>(warmup, kSlopeSettle), kSlopeMinSpan} {}

core::Expected<bool> ResourceWatch::watch_target(pid_t pid) {
  probes::SamplerOptions options;
  options.interval = interval_;
  options.slope = slope_;
  options.whole_tree = true;
  target_.started = std::chrono::steady_clock::now();
  target_.pid = pid;
  target_.sampler = std::make_unique<probes::ResourceSampler>(pid, options);
  auto first = target_.sampler->start();
  if (!first) {
    target_.sampler.reset();
    return core::Expected<bool>::failure(first.error());
  }
  return true;
}

void ResourceWatch::watch_loadgen() {
  probes::SamplerOptions options;
  options.interval = interval_;
  options.capacity_cores = loadgen_capacity_cores_;
  options.slope = slope_;
  loadgen_.started = std::chrono::steady_clock::now();
  loadgen_.pid = getpid();
  loadgen_.sampler = std::make_unique<probes::ResourceSampler>(loadgen_.pid, options);
  if (!loadgen_.sampler->start()) loadgen_.sampler.reset();
}

std::optional<ProcessResources> ResourceWatch::collect(Watched& w, std::chrono::steady_clock::time_point zero) const {
  if (!w.sampler) return std::nullopt;
  w.sampler->stop();
  ProcessResources p;
  p.pid = w.pid;
  p.interval_s = std::chrono::duration<double>(interval_).count();
  p.offset_s = std::chrono::duration<double>(w.started - zero).count();
  p.summary = w.sampler->summary();
  p.samples = w.sampler->samples();
  return p;
}

ResourcesResult ResourceWatch::finish(std::chrono::steady_clock::time_point zero) {
  ResourcesResult out;
  out.target = collect(target_, zero);
  out.loadgen = collect(loadgen_, zero);
  return out;
}

}  // namespace loadgen::run
