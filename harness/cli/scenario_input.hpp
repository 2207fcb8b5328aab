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
  int shard_index = 0;  // ${shard} and ${shards}
  int shard_count = 1;
};

// Loads and validates the scenario; prints every error as file:line:col to stderr. `tmp_dir`
// is the value of ${tmp}. Nothing when the input is bad.
std::optional<scenario::Scenario> load_scenario(const ScenarioInput& input, const std::string& tmp_dir);
// The same from a scenario's text (a shard log's copy): `input.path` names it in messages.
std::optional<scenario::Scenario> load_scenario_text(const std::string& text, const ScenarioInput& input,
                                                     const std::string& tmp_dir);

// The directory holding the running loadgen binary (and, in a build tree, refserver): ${bin}.
std::string executable_dir();

}  // namespace loadgen::cli
