#pragma once

#include <nlohmann/json.hpp>

#include "harness/run/profile_result.hpp"

// The `profiles` section of result.json: per profiled stage its status (and why there is no
// profile), the folded file, and the top functions by self and total share; `functions` holds
// the top 200 by total share, which a later run's baseline comparison reads.
namespace loadgen::reports {

inline constexpr size_t kTopFunctions = 20;
inline constexpr size_t kKeptFunctions = 200;

nlohmann::json profiles_json(const std::vector<run::StageProfile>& profiles);

}  // namespace loadgen::reports
