#include "harness/cli/run_finish.hpp"

#include <stdlib.h>

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "harness/core/exit_codes.hpp"
#include "harness/run/slo_check.hpp"
#include "reports/atomic_file.hpp"
#include "reports/baselines/compare.hpp"
#include "reports/baselines/run_file.hpp"
#include "reports/console_report.hpp"
#include "reports/html/html_report.hpp"
#include "reports/json_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"

namespace loadgen::cli {

using core::ExitCode;
using core::to_int;

bool load_baseline(const std::string& baseline_flag, const std::string& tolerance_flag, const scenario::Scenario& sc,
                   std::optional<Baseline>& out) {
  const std::string file = !baseline_flag.empty() ? baseline_flag : sc.baseline ? sc.baseline->file : "";
  if (file.empty()) {
    if (!tolerance_flag.empty()) std::cerr << "loadgen: --tolerance needs a baseline (--baseline or baseline.file)\n";
    return tolerance_flag.empty();
  }
  auto tolerances = slo::Tolerances::defaults();
  if (sc.baseline) {
    for (const auto& [metric, value] : sc.baseline->tolerance) tolerances.by_metric[metric] = value;
  }
  auto parsed = slo::parse_tolerances(tolerance_flag, tolerances);
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


TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "loadgen-XXXXXX").string();
  if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

namespace {

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
}  // namespace

int finish(run::Result& result, const scenario::Scenario& sc, bool target_failed, const run::ScopedSlos* scoped,
           const std::optional<Baseline>& baseline, const reports::HlogReport& hlog,
           const std::vector<std::string>& more_failures) {
  if (result.shard) {
    // A p99 or a count over everyone needs everyone: the merge judges.
    result.verdict = "shard";
    result.verdict_reasons.push_back(fmt::format(
        "shard {} of {}: the SLOs are judged when the shards are merged (loadgen merge)", result.shard->index,
        result.shard->count));
  } else if (scoped != nullptr) {
    run::check_slos(sc.slos, result, scoped);
  }
  if (baseline && !target_failed && !result.shard) {
    result.baseline = reports::compare_runs(baseline->run, reports::to_json(result), baseline->tolerances, baseline->file);
    if (result.baseline->regression()) result.verdict = "fail";
  }
  if (target_failed) result.verdict = "fail";
  const auto json_path = result.report_dir + "/result.json";
  auto failures = write_reports(result, json_path);
  if (!hlog.error().empty()) failures.push_back(hlog.error());
  failures.insert(failures.end(), more_failures.begin(), more_failures.end());
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


}  // namespace loadgen::cli
