#pragma once

#include <nlohmann/json.hpp>

#include "harness/run/probe_results.hpp"

// The `startup` and `resources` sections of result.json. Durations in ms, CPU in cores
// (1.0 = one core busy), memory in bytes; a missing figure is null.
namespace loadgen::reports {

nlohmann::json startup_json(const run::StartupOutcome& startup);
nlohmann::json resources_json(const run::ResourcesResult& resources);

}  // namespace loadgen::reports
