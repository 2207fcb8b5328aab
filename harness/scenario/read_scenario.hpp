#pragma once

#include <yaml-cpp/yaml.h>

#include "harness/scenario/scenario.hpp"
#include "harness/scenario/yaml_reader.hpp"

namespace loadgen::scenario {

// The whole document: top-level keys, each section, then the SLOs against what the sections
// define. Problems are left in `r`; the returned model is only meaningful when there are none.
Scenario read_scenario(Reader& r, const YAML::Node& root, bool target_pid_given = false);

}  // namespace loadgen::scenario
