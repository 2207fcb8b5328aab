#pragma once

#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "harness/scenario/loader.hpp"
#include "harness/scenario/yaml_reader.hpp"

// --set key=value: replaces one scalar of the document by dotted path, with 0-based indexes
// into lists ("load.stages.1.hold"). Internal to the loader.
namespace loadgen::scenario {

struct OverrideResult {
  std::vector<Override> applied;   // the nodes now holding --set values
  std::vector<Diagnostic> errors;  // located at "--set <key>"
};

// Applies `sets` in order to `root` (a handle: the document itself changes). A key whose
// parent mapping exists but which is missing is added, and later validated like any key; a
// missing key that the document uses as ${key} is only a variable; anything else that does
// not resolve is an error. The value is read as a YAML scalar ("5s", "true", "'quoted'");
// text that YAML would read as a list or mapping is kept as a plain string.
OverrideResult apply_overrides(YAML::Node root,
                               const std::vector<std::pair<std::string, std::string>>& sets);

}  // namespace loadgen::scenario
