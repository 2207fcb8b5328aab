#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "harness/cli/commands.hpp"
#include "harness/cli/scenario_input.hpp"
#include "harness/core/exit_codes.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/slo_check.hpp"
#include "reports/console_report.hpp"
#include "reports/hlog_report.hpp"
#include "reports/html/html_report.hpp"
#include "reports/atomic_file.hpp"
#include "harness/run/capacity_run.hpp"
#include "reports/baselines/compare.hpp"
#include "reports/capacity_text.hpp"
#include "reports/baselines/run_file.hpp"
#include "reports/json_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/progress_line.hpp"

namespace loadgen::cli {
namespace {

using core::ExitCode;
using core::to_int;

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed connection must be an error we count, not our death
}

struct RunFlags {
  ScenarioInput input;
  std::string out_dir;
  int threads = 0;
  bool quiet = false;
  int target_pid = 0;
  std::string baseline;   // --baseline: overrides the scenario's baseline.file
  std::string tolerance;  // --tolerance p99=10%,rps=5%: over the scenario's and the defaults
};

// The run this one is compared with, read before the load starts so that a bad file
// costs nothing.
struct Baseline {
  std::string file;
  nlohmann::json run;
  slo::Tolerances tolerances;
};

// Empty when no baseline is asked for; false (after saying why) when it cannot be used.
bool load_baseline(const RunFlags& flags, const scenario::Scenario& sc, std::optional<Baseline>& out) {
  const std::string file = !flags.baseline.empty() ? flags.baseline : sc.baseline ? sc.baseline->file : "";
  if (file.empty()) {
    if (!flags.tolerance.empty()) std::cerr << "loadgen: --tolerance needs a baseline (--baseline or baseline.file)\n";
    return flags.tolerance.empty();
  }
  auto tolerances = slo::Tolerances::defaults();
  if (sc.baseline) {
    for (const auto& [metric, value] : sc.baseline->tolerance) tolerances.by_metric[metric] = value;
  }
  auto parsed = slo::parse_tolerances(flags.tolerance, tolerances);
  if (!parsed) {
    std::cerr << "loadgen: --tolerance: " << parsed.error() << '\n';
    return false;
  }
  auto run = reports::read_run_json(file);
  if (!run) {
    std::cerr << "loadgen: baseline " << run.error() << '\n';
    return false;
  }
  out = Baseline{file, std::move(run).value(), std::move(parsed).value()};
  return true;
}

// ${tmp}: a private directory for the target's files, removed after the run.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loadgen-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Every report is attempted, whichever others failed; the failures come back as messages
// naming the file and the reason.
std::vector<std::string> write_reports(const run::Result& result, const std::string& json_path) {
  std::vector<std::string> failures;
  const auto attempt = [&](auto&& write) {
    try {
      write();
    } catch (const std::exception& e) {
      std::cerr << "loadgen: " << e.what() << '\n';
      failures.emplace_back(e.what());
    }
  };
  attempt([&] { reports::write_result_json(result, json_path); });
  attempt([&] { reports::write_file_atomically(result.report_dir + "/junit.xml", reports::junit_xml(result)); });
  attempt([&] { reports::write_file_atomically(result.report_dir + "/summary.md", reports::markdown_summary(result)); });
  attempt([&] {
    reports::html::write_html_report(result, reports::to_json(result)["context"], result.report_dir + "/report.html");
  });
  return failures;
}

// `scoped`: the SLO scopes that watched the run, for judging it; nothing when it was judged
// already (a capacity search judges each trial and the answer itself).
int finish(run::Result& result, const scenario::Scenario& sc, bool target_failed, const run::ScopedSlos* scoped,
           const std::optional<Baseline>& baseline, const reports::HlogReport& hlog) {
  if (scoped != nullptr) run::check_slos(sc.slos, result, scoped);
  if (baseline && !target_failed) {
    result.baseline = reports::compare_runs(baseline->run, reports::to_json(result), baseline->tolerances, baseline->file);
    if (result.baseline->regression()) result.verdict = "fail";
  }
  if (target_failed) result.verdict = "fail";
  const auto json_path = result.report_dir + "/result.json";
  auto failures = write_reports(result, json_path);
  if (!hlog.error().empty()) failures.push_back(hlog.error());
  if (!failures.empty()) {
    // What was measured is still summarised below, but the run is not a pass: a CI job would
    // go on without the artefacts it gates and reports on.
    result.verdict = "fail";
    for (const auto& f : failures) result.verdict_reasons.push_back("report not written: " + f);
  }
  if (!target_failed) std::cout << reports::console_summary(result);
  std::cout << fmt::format("report: {}\n", json_path);
  if (result.interrupted) return to_int(ExitCode::kInterrupted);
  if (target_failed) return to_int(ExitCode::kTargetFailed);
  if (!failures.empty()) return to_int(ExitCode::kReportFailed);
  return to_int(result.verdict == "fail" ? ExitCode::kSloFailed : ExitCode::kOk);
}

int run_command(const RunFlags& flags) {
  TempDir tmp;
  auto input = flags.input;
  input.target_pid_given = flags.target_pid > 0;
  auto sc = load_scenario(input, tmp.path());
  if (!sc) return to_int(ExitCode::kBadInput);
  std::optional<Baseline> baseline;
  if (!load_baseline(flags, *sc, baseline)) return to_int(ExitCode::kBadInput);
  install_interrupt_handlers();

  run::RunOptions options;
  options.report_dir = !flags.out_dir.empty() ? flags.out_dir
                       : !sc->report_dir.empty() ? sc->report_dir
                                                 : "reports/out/" + sc->name;
  options.threads = flags.threads;
  options.interrupted = &g_interrupted;
  if (flags.target_pid > 0) options.target_pid = flags.target_pid;
  std::filesystem::create_directories(options.report_dir);
  reports::HlogReport hlog(options.report_dir + "/latency.hlog");
  reports::ProgressLine progress(stderr);
  options.observers.push_back(&hlog);
  std::vector<std::string> names;
  for (const auto& r : sc->requests) names.push_back(r.name);
  run::ScopedSlos scoped(run::parse_slos(sc->slos), names);
  const bool search = sc->load.search.has_value();
  if (!search) options.observers.push_back(&scoped);
  if (!flags.quiet && isatty(STDERR_FILENO)) options.observers.push_back(&progress);

  run::RunFailure failure;
  run::Result result;
  if (search) {
    std::cout << fmt::format("capacity search: {}\n", reports::search_plan_text(*sc->load.search, sc->load.model));
    const std::string unit = sc->load.model == scenario::LoadModel::kVirtualUsers ? "users" : "rps";
    result = run::run_capacity_search(*sc, options, failure, [&](const run::CapacityTrial& t, int) {
      if (!flags.quiet && isatty(STDERR_FILENO)) std::cerr << "\r\033[K";
      std::cout << "  " << run::trial_line(t, unit) << std::endl;
    });
  } else {
    result = run::run_scenario(*sc, options, failure);
  }
  const run::ScopedSlos* judge_with = search ? nullptr : &scoped;
  if (failure.kind == run::RunFailure::Kind::kBadInput) {
    std::cerr << "loadgen: " << failure.message << '\n';
    return to_int(ExitCode::kBadInput);
  }
  if (failure.kind == run::RunFailure::Kind::kTargetFailed) {
    std::cerr << "loadgen: " << failure.message << '\n';
    result.warnings.push_back(failure.message);
    return finish(result, *sc, true, judge_with, baseline, hlog);
  }
  return finish(result, *sc, false, judge_with, baseline, hlog);
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a scenario: drive the target at the planned load, check the SLOs");
  cmd->add_option("scenario", flags->input.path, "The scenario file (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--set", flags->input.sets,
                  "Override a scenario field or define ${key}: --set load.stages.1.hold=5s (repeatable)");
  cmd->add_option("-o,--out", flags->out_dir, "Report directory (default: the scenario's report.dir)");
  cmd->add_option("-t,--threads", flags->threads, "Event-loop threads (default: the scenario's, else the cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--target-pid", flags->target_pid,
                  "Sample this process's CPU, RSS, threads and fds during the run (a target loadgen did not start)")
      ->check(CLI::Range(1, 1 << 30));
  cmd->add_flag("-q,--quiet", flags->quiet, "No live progress line");
  cmd->add_option("--baseline", flags->baseline,
                  "Compare with this run: a baseline file, a result.json or a report directory");
  cmd->add_option("--tolerance", flags->tolerance,
                  "How much worse than the baseline is allowed: p50=10%,p99=15%,rps=5%,error_rate=0.1% (or off)");
  cmd->footer(
      "Exit codes: 0 every SLO held (and no regression against the baseline); 1 an SLO failed or a regression;\n"
      "2 bad input (scenario, flags, baseline file); 3 the target could not be started;\n"
      "130 interrupted (the report of what ran is still written).");
  return [flags] { return run_command(*flags); };
}

}  // namespace loadgen::cli
