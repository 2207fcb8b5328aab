#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "harness/cli/commands.hpp"
#include "harness/cli/scenario_input.hpp"
#include "harness/core/exit_codes.hpp"
#include "harness/load/plan.hpp"

namespace loadgen::cli {
namespace {

int validate_command(const ScenarioInput& input) {
  auto sc = load_scenario(input, "${tmp}");
  if (!sc) return core::to_int(core::ExitCode::kBadInput);
  std::vector<load::PlanStage> stages;
  for (const auto& s : sc->load.stages) stages.push_back({s.name, s.from, s.to, s.duration});
  const load::Plan plan(std::move(stages));
  const bool closed = sc->load.model == scenario::LoadModel::kVirtualUsers;
  const auto flows = sc->flows.empty()
                         ? std::string()
                         : fmt::format(", {} flow{}", sc->flows.size(), sc->flows.size() == 1 ? "" : "s");
  std::cout << fmt::format("{}: ok ({} request{}{}, {} SLO{}, {})\n", input.path, sc->requests.size(),
                           sc->requests.size() == 1 ? "" : "s", flows, sc->slos.size(), sc->slos.size() == 1 ? "" : "s",
                           closed ? "virtual users" : "arrival rate");
  std::cout << plan.describe(closed);
  return core::to_int(core::ExitCode::kOk);
}

}  // namespace

CommandRunner add_validate_command(CLI::App& app) {
  auto input = std::make_shared<ScenarioInput>();
  auto* cmd = app.add_subcommand("validate", "Check a scenario file and print its load plan; runs nothing");
  cmd->add_option("scenario", input->path, "The scenario file (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--set", input->sets, "Override a scenario field, as for run (repeatable)");
  return [input] { return validate_command(*input); };
}

}  // namespace loadgen::cli
