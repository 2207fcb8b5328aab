#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "harness/cli/commands.hpp"
#include "harness/cli/run_finish.hpp"
#include "harness/cli/scenario_input.hpp"
#include "harness/core/exit_codes.hpp"
#include "harness/run/shard_merge.hpp"
#include "harness/run/slo_check.hpp"
#include "harness/run/slo_scopes.hpp"
#include "reports/hlog_report.hpp"

namespace loadgen::cli {
namespace {

using core::ExitCode;
using core::to_int;

struct MergeFlags {
  std::vector<std::string> dirs;
  std::string out_dir;
  std::string baseline;
  std::string tolerance;
};

int merge_command(const MergeFlags& flags) {
  auto opened = run::open_shards(flags.dirs);
  if (!opened) {
    std::cerr << "loadgen merge: " << opened.error() << '\n';
    return to_int(ExitCode::kBadInput);
  }
  auto shards = std::move(opened).value();
  const auto& h = shards.header();
  // The scenario is judged as the shards ran it: their copy of its text and --set values.
  TempDir tmp;
  ScenarioInput input;
  input.path = h.scenario_file;
  for (const auto& [k, v] : h.sets) input.sets.push_back(k + "=" + v);
  input.shard_count = h.shards;
  auto sc = load_scenario_text(h.scenario_text, input, tmp.path());
  if (!sc) {
    std::cerr << "loadgen merge: the shards' scenario does not load here (the merge reads it with this machine's "
                 "environment and files)\n";
    return to_int(ExitCode::kBadInput);
  }
  std::optional<Baseline> baseline;
  if (!load_baseline(flags.baseline, flags.tolerance, *sc, baseline)) return to_int(ExitCode::kBadInput);

  run::RunOptions options;
  options.report_dir = flags.out_dir;
  std::filesystem::create_directories(options.report_dir);
  reports::HlogReport hlog(options.report_dir + "/latency.hlog");
  options.observers.push_back(&hlog);
  std::vector<std::string> names;
  for (const auto& r : sc->requests) names.push_back(r.name);
  run::ScopedSlos scoped(run::parse_slos(sc->slos), names);
  options.observers.push_back(&scoped);
  std::cout << fmt::format("merging {} shards of {} ({})\n", h.shards, sc->name, h.scenario_file);
  auto merged = run::merge_shards(*sc, shards, options);
  if (!merged) {
    std::cerr << "loadgen merge: " << merged.error() << '\n';
    return to_int(ExitCode::kBadInput);
  }
  auto result = std::move(merged).value();
  if (h.start_at_epoch_s == 0) {
    result.warnings.push_back(
        "the shards were run without --start-at: their seconds were added in order, not aligned in time");
  }
  return finish(result, *sc, false, &scoped, baseline, hlog);
}

}  // namespace

CommandRunner add_merge_command(CLI::App& app) {
  auto flags = std::make_shared<MergeFlags>();
  auto* cmd = app.add_subcommand(
      "merge", "Add the report directories of a sharded run together and judge the SLOs on the whole");
  cmd->add_option("dirs", flags->dirs, "The shards' report directories (each holding shard.jsonl)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--out", flags->out_dir, "Report directory for the merged run")->required();
  cmd->add_option("--baseline", flags->baseline,
                  "Compare with this run: a baseline file, a result.json or a report directory");
  cmd->add_option("--tolerance", flags->tolerance, "How much worse than the baseline is allowed (as for run)");
  cmd->footer(
      "Exit codes: 0 every SLO held on the merged run; 1 an SLO failed or a regression; 2 bad input (a shard\n"
      "missing or given twice, shards of different runs, a bad shard log).");
  return [flags] { return merge_command(*flags); };
}

}  // namespace loadgen::cli
