#pragma once

#include <nlohmann/json.hpp>

#include "harness/run/capacity_result.hpp"

// result.json's `capacity` section, written and read back (for `loadgen report` and `compare`).
namespace loadgen::reports {

nlohmann::json capacity_json(const run::CapacityResult& capacity);
run::CapacityResult capacity_from_json(const nlohmann::json& j);

}  // namespace loadgen::reports
