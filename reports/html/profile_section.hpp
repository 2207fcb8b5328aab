#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/result.hpp"

// report.html's "Profiles" section: per profiled stage an interactive flame graph
// (d3-flame-graph: click to zoom, search to highlight), its top functions by self and total
// time, and with a baseline the functions whose share changed most; or why there is no profile.
namespace loadgen::reports::html {

std::string profiles_section(const run::Result& r);  // "" when nothing was profiled
// The flame graphs' trees for the page's JSON block: [{stage, samples, tree}], null without profiles.
nlohmann::json profiles_data(const run::Result& r);

}  // namespace loadgen::reports::html
