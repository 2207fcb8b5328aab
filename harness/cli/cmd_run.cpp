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
#include "reports/atomic_file.hpp"
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
};

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

int finish(run::Result& result, const scenario::Scenario& sc, bool target_failed, const run::ScopedSlos& scoped) {
  run::check_slos(sc.slos, result, &scoped);
  if (target_failed) result.verdict = "fail";
  const auto json_path = result.report_dir + "/result.json";
  try {
    reports::write_result_json(result, json_path);
    reports::write_file_atomically(result.report_dir + "/junit.xml", reports::junit_xml(result));
    reports::write_file_atomically(result.report_dir + "/summary.md", reports::markdown_summary(result));
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << '\n';
  }
  if (!target_failed) std::cout << reports::console_summary(result);
  std::cout << fmt::format("report: {}\n", json_path);
  if (result.interrupted) return to_int(ExitCode::kInterrupted);
  if (target_failed) return to_int(ExitCode::kTargetFailed);
  return to_int(result.verdict == "pass" ? ExitCode::kOk : ExitCode::kSloFailed);
}

int run_command(const RunFlags& flags) {
  TempDir tmp;
  auto sc = load_scenario(flags.input, tmp.path());
  if (!sc) return to_int(ExitCode::kBadInput);
  install_interrupt_handlers();

  run::RunOptions options;
  options.report_dir = !flags.out_dir.empty() ? flags.out_dir
                       : !sc->report_dir.empty() ? sc->report_dir
                                                 : "reports/out/" + sc->name;
  options.threads = flags.threads;
  options.interrupted = &g_interrupted;
  std::filesystem::create_directories(options.report_dir);
  reports::HlogReport hlog(options.report_dir + "/latency.hlog");
  reports::ProgressLine progress(stderr);
  options.observers.push_back(&hlog);
  std::vector<std::string> names;
  for (const auto& r : sc->requests) names.push_back(r.name);
  run::ScopedSlos scoped(run::parse_slos(sc->slos), names);
  options.observers.push_back(&scoped);
  if (!flags.quiet && isatty(STDERR_FILENO)) options.observers.push_back(&progress);

  run::RunFailure failure;
  auto result = run::run_scenario(*sc, options, failure);
  if (failure.kind == run::RunFailure::Kind::kBadInput) {
    std::cerr << "loadgen: " << failure.message << '\n';
    return to_int(ExitCode::kBadInput);
  }
  if (failure.kind == run::RunFailure::Kind::kTargetFailed) {
    std::cerr << "loadgen: " << failure.message << '\n';
    result.warnings.push_back(failure.message);
    return finish(result, *sc, true, scoped);
  }
  return finish(result, *sc, false, scoped);
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
  cmd->add_flag("-q,--quiet", flags->quiet, "No live progress line");
  cmd->footer(
      "Exit codes: 0 every SLO held; 1 an SLO failed; 2 bad input; 3 the target could not be started;\n"
      "130 interrupted (the report of what ran is still written).");
  return [flags] { return run_command(*flags); };
}

}  // namespace loadgen::cli
