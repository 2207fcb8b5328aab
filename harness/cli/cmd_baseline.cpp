#include <iostream>
#include <memory>

#include "harness/cli/commands.hpp"
#include "harness/core/exit_codes.hpp"
#include "reports/baselines/run_file.hpp"

// loadgen baseline save DIR --as NAME: keep a run as the reference later runs are compared with.
namespace loadgen::cli {
namespace {

using core::ExitCode;
using core::to_int;

struct SaveFlags {
  std::string source, name, dir = reports::kDefaultBaselineDir;
};

int save_command(const SaveFlags& flags) {
  auto path = reports::save_baseline(flags.source, flags.name, flags.dir);
  if (!path) {
    std::cerr << "loadgen: " << path.error() << '\n';
    return to_int(ExitCode::kBadInput);
  }
  std::cout << "baseline: " << *path << '\n';
  return to_int(ExitCode::kOk);
}

}  // namespace

CommandRunner add_baseline_command(CLI::App& app) {
  auto flags = std::make_shared<SaveFlags>();
  auto* cmd = app.add_subcommand("baseline", "Keep runs as baselines for later comparisons");
  cmd->require_subcommand(1);
  auto* save = cmd->add_subcommand("save", "Save a run as DIR/NAME.json (one self-contained file)");
  save->add_option("run", flags->source, "A report directory or result.json")->required();
  save->add_option("--as", flags->name, "The baseline's name (letters, digits, _ . -)")->required();
  save->add_option("--dir", flags->dir, "Where baselines are kept (default: reports/baselines)");
  return [flags] { return save_command(*flags); };
}

}  // namespace loadgen::cli
