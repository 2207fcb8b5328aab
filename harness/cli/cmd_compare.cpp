#include <iostream>
#include <memory>

#include "harness/cli/commands.hpp"
#include "harness/core/exit_codes.hpp"
#include "reports/baselines/compare.hpp"
#include "reports/baselines/comparison_text.hpp"
#include "reports/baselines/run_file.hpp"

// loadgen compare BASE NEW: is NEW worse than BASE beyond the tolerances?
namespace loadgen::cli {
namespace {

using core::ExitCode;
using core::to_int;

struct CompareFlags {
  std::string base, current, tolerance, format = "table";
};

int compare_command(const CompareFlags& flags) {
  auto tolerances = slo::parse_tolerances(flags.tolerance, slo::Tolerances::defaults());
  if (!tolerances) {
    std::cerr << "loadgen: --tolerance: " << tolerances.error() << '\n';
    return to_int(ExitCode::kBadInput);
  }
  auto base = reports::read_run_json(flags.base);
  if (!base) {
    std::cerr << "loadgen: baseline " << base.error() << '\n';
    return to_int(ExitCode::kBadInput);
  }
  auto current = reports::read_run_json(flags.current);
  if (!current) {
    std::cerr << "loadgen: " << current.error() << '\n';
    return to_int(ExitCode::kBadInput);
  }
  const auto comparison = reports::compare_runs(*base, *current, *tolerances, flags.base);
  if (flags.format == "json") {
    std::cout << reports::baseline_json(comparison).dump(2) << '\n';
  } else if (flags.format == "markdown") {
    std::cout << reports::baseline_markdown(comparison);
  } else {
    std::cout << reports::baseline_console(comparison);
  }
  return to_int(comparison.regression() ? ExitCode::kSloFailed : ExitCode::kOk);
}

}  // namespace

CommandRunner add_compare_command(CLI::App& app) {
  auto flags = std::make_shared<CompareFlags>();
  auto* cmd = app.add_subcommand("compare", "Compare a run with a baseline: per request name, p50, p99, rps and error rate");
  cmd->add_option("base", flags->base, "The baseline: a baseline file, a result.json or a report directory")->required();
  cmd->add_option("new", flags->current, "The run to judge: a result.json or a report directory")->required();
  cmd->add_option("--tolerance", flags->tolerance,
                  "How much worse is allowed: p50=10%,p99=15%,rps=5%,error_rate=0.1%,capacity=10% (the defaults; or off)");
  cmd->add_option("--format", flags->format, "table (default), markdown or json")
      ->check(CLI::IsMember({"table", "markdown", "json"}));
  cmd->footer(
      "A change is a regression when it is worse than its tolerance and significant: the 95% bootstrap\n"
      "interval over the per-second figures excludes no change and a Mann-Whitney U test agrees (p < 0.05).\n"
      "Exit codes: 0 no regression; 1 a regression; 2 bad input (a missing or invalid file).");
  return [flags] { return compare_command(*flags); };
}

}  // namespace loadgen::cli
