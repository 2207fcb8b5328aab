#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/core/expected.hpp"

// Runs on disk, for comparisons: a result.json, a report directory holding one, or a
// baseline file (a self-contained subset of a result.json, kept under reports/baselines/).
namespace loadgen::reports {

inline constexpr const char* kDefaultBaselineDir = "reports/baselines";

// Reads `path` (a file, a directory with result.json, or the NAME of a baseline saved in
// kDefaultBaselineDir). The error names the file and what is wrong with it: missing, not
// JSON, not a loadgen result.
core::Expected<nlohmann::json> read_run_json(const std::string& path);

// What a baseline keeps of a result: the scenario, summaries, SLO outcomes, the timeline's
// per-second figures, and per request name its summary and per-second figures. `source`
// and `saved_at` record where and when it was taken.
nlohmann::json baseline_of(const nlohmann::json& result, const std::string& source, const std::string& saved_at);

// Writes `baseline_of` the run at `source` as DIR/NAME.json; returns the path written.
core::Expected<std::string> save_baseline(const std::string& source, const std::string& name, const std::string& dir);

}  // namespace loadgen::reports
