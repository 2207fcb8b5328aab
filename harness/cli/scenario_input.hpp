#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/scenario/loader.hpp"

namespace loadgen::cli {

// The flags every scenario-reading command shares, and the loading they drive.
struct ScenarioInput {
  std::string path;
  std::vector<std::string> sets;  // "key=value"
  bool target_pid_given = false;
};

// Loads and validates the scenario; prints every error as file:line:col to stderr. `tmp_dir`
// is the value of ${tmp}. Nothing when the input is bad.
std::optional<scenario::Scenario> load_scenario(const ScenarioInput& input, const std::string& tmp_dir);

// The directory holding the running loadgen binary (and, in a build tree, refserver): ${bin}.
std::string executable_dir();

}  // namespace loadgen::cli
