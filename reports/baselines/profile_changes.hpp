#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/run/baseline_result.hpp"

// The differential view of two runs' profiles, read from their result.json: for each stage
// profiled in both, the functions whose share of the samples changed most. After a regression,
// the first place to look. Notes say why a stage could not be compared.
namespace loadgen::reports {

inline constexpr size_t kProfileChanges = 15;

std::vector<run::ProfileChange> compare_profiles(const nlohmann::json& base, const nlohmann::json& current,
                                                 std::vector<std::string>& notes);

}  // namespace loadgen::reports
