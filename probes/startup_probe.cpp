#include "probes/startup_probe.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::probes {
namespace {

using Nanos = std::chrono::nanoseconds;

constexpr auto kBeforeEachPoll = std::chrono::milliseconds(1);

bool is_set(const std::atomic<bool>* flag) {
  return flag != nullptr && flag->load();
}

std::vector<StartupVariant> groups_of(const StartupOptions& options) {
  if (options.variants.empty())
    return {StartupVariant{}};
  return options.variants;
}

StartOptions start_options_for(const StartupOptions& options, const StartupVariant& variant) {
  StartOptions start;
  start.argv = options.argv;
  start.argv.insert(start.argv.end(), variant.extra_args.begin(), variant.extra_args.end());
  start.env = options.env;
  for (const auto& [name, value] : variant.env)
    start.env[name] = value;
  start.phases = options.phases;
  start.host = options.host;
  start.port = options.port;
  start.timeout = options.timeout;
  start.stop_grace = options.stop_grace;
  start.pace = options.pace;
  return start;
}

VariantRuns empty_runs(const std::string& name, const std::vector<PhaseProbe>& phases) {
  VariantRuns runs;
  runs.name = name;
  for (const auto& phase : phases) {
    runs.phases.emplace_back();
    runs.phases.back().name = phase.name;
  }
  return runs;
}

FailedRun failed_run(int run, std::string reason) {
  FailedRun failed;
  failed.run = run;
  failed.reason = std::move(reason);
  return failed;
}

// A run that never got as far as timing phases: every phase is missed.
void record_unstarted(VariantRuns& runs, FailedRun failed) {
  for (auto& phase : runs.phases) {
    phase.per_run.emplace_back();
    ++phase.missed;
  }
  if (!runs.phases.empty())
    failed.phase = runs.phases.front().name;
  runs.failed.push_back(std::move(failed));
}

void record(VariantRuns& runs, int run, const TimedStart& start) {
  for (size_t i = 0; i < runs.phases.size(); ++i) {
    auto& phase = runs.phases[i];
    const auto& after = start.phase_after[i];
    phase.per_run.push_back(after);
    if (after)
      phase.histogram.record(after->count());
    if (!after)
      ++phase.missed;
    if (start.detection_error[i])
      phase.detection_errors.push_back(*start.detection_error[i]);
  }
  if (start.ok())
    return;
  runs.failed.push_back({run, start.missed_phase, start.failure, start.exit_description,
                         start.exit_code, start.stderr_tail});
}

// Runs `before_each` to its end (bounded by the run timeout); the failed run when it fails.
std::optional<FailedRun> run_before_each(const StartupOptions& options, int run,
                                         const std::atomic<bool>* interrupted) {
  const auto command = fmt::format("{}", fmt::join(options.before_each, " "));
  auto child = ChildProcess::spawn({options.before_each, options.env, "", ""});
  if (!child)
    return failed_run(run, "before_each: " + child.error());
  auto& process = **child;
  const auto deadline = Clock::now() + options.timeout;
  while (process.running() && Clock::now() < deadline && !is_set(interrupted)) {
    std::this_thread::sleep_for(kBeforeEachPoll);
  }
  auto failed = failed_run(run, "");
  if (process.running()) {
    failed.reason = fmt::format("before_each ({}) did not finish within {}", command,
                                core::format_duration(options.timeout));
  } else if (process.exit_code() != 0) {
    failed.exit_description = process.exit_description();
    failed.exit_code = process.exit_code();
    failed.reason = fmt::format("before_each ({}) {}", command, failed.exit_description);
  } else {
    return std::nullopt;
  }
  process.stop(options.stop_grace);  // ends it if still running; joins its output readers
  failed.stderr_tail = process.stderr_tail(kStderrTailLines);
  return failed;
}

// One run of one variant; false when it was interrupted (and so not counted).
bool run_once(const StartupOptions& options, const StartupVariant& variant, int run,
              VariantRuns& runs, const std::atomic<bool>* interrupted) {
  if (!options.before_each.empty()) {
    if (auto failed = run_before_each(options, run, interrupted)) {
      if (is_set(interrupted))
        return false;
      ++runs.runs;
      record_unstarted(runs, std::move(*failed));
      return true;
    }
  }
  auto start = start_timed(start_options_for(options, variant), interrupted);
  if (!start) {
    ++runs.runs;
    record_unstarted(runs, failed_run(run, start.error()));
    return true;
  }
  auto timed = std::move(start).value();
  if (timed.interrupted)
    return false;
  if (timed.ok())
    timed.process->stop(options.stop_grace);
  ++runs.runs;
  record(runs, run, timed);
  return true;
}

}  // namespace

std::vector<std::string> check_startup_options(const StartupOptions& options) {
  auto problems = check_start_options(start_options_for(options, StartupVariant{}));
  if (options.runs < 1)
    problems.push_back(fmt::format("runs must be at least 1, not {}", options.runs));
  std::set<std::string> names;
  for (const auto& variant : options.variants) {
    if (variant.name.empty())
      problems.emplace_back("a variant has no name");
    if (!names.insert(variant.name).second) {
      problems.push_back(fmt::format("variant '{}' is given twice", variant.name));
    }
  }
  return problems;
}

core::Expected<StartupResult> run_startup_probe(const StartupOptions& options,
                                                const std::atomic<bool>* interrupted) {
  if (auto problems = check_startup_options(options); !problems.empty()) {
    return core::Expected<StartupResult>::failure(fmt::format("{}", fmt::join(problems, "; ")));
  }
  const auto groups = groups_of(options);
  StartupResult result;
  for (const auto& group : groups)
    result.variants.push_back(empty_runs(group.name, options.phases));
  for (int run = 0; run < options.runs && !result.interrupted; ++run) {
    for (size_t g = 0; g < groups.size(); ++g) {
      if (is_set(interrupted) ||
          !run_once(options, groups[g], run, result.variants[g], interrupted)) {
        result.interrupted = true;
        break;
      }
    }
  }
  return result;
}

std::optional<DetectionErrorSummary> summarize_detection_errors(std::span<const Nanos> errors) {
  if (errors.empty())
    return std::nullopt;
  std::vector<Nanos> sorted(errors.begin(), errors.end());
  std::sort(sorted.begin(), sorted.end());
  DetectionErrorSummary summary;
  summary.samples = sorted.size();
  const size_t mid = sorted.size() / 2;
  summary.median = sorted.size() % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  summary.max_abs = std::max(sorted.back(), -sorted.front());
  return summary;
}

}  // namespace loadgen::probes
