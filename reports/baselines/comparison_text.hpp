#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/baseline_result.hpp"

// A baseline comparison for people and machines: the console table, the Markdown section
// of summary.md, the `baseline` section of result.json, and the pieces they share.
namespace loadgen::reports {

std::string baseline_value(const run::BaselineCheck& c, std::optional<double> value);  // "20.1ms", "1.2k/s", "0.1%"
std::string baseline_change(const run::BaselineCheck& c);     // "+12.3%", "+0.05pp"
std::string baseline_interval(const run::BaselineCheck& c);   // "+8.1% .. +16.0%"
std::string baseline_tolerance(const run::BaselineCheck& c);  // "+10%", "-5%", "+0.1pp", "off"

// metric, base, new, change %, CI, tolerance, verdict; then the notes and the outcome.
std::string baseline_console(const run::BaselineComparison& comparison);
std::string baseline_markdown(const run::BaselineComparison& comparison);
nlohmann::json baseline_json(const run::BaselineComparison& comparison);
// The inverse of baseline_json, for re-rendering reports from result.json.
run::BaselineComparison baseline_from_json(const nlohmann::json& section);

}  // namespace loadgen::reports
