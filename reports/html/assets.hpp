#pragma once

#include <string_view>

// The report page's front-end files, inlined at build time (see embed_assets.cmake): uPlot and
// d3-flame-graph
// from reports/html/node_modules (pinned by package-lock.json, installed by scripts/setup) and
// the report's own script and style.
namespace loadgen::reports::html {

std::string_view uplot_js();
std::string_view uplot_css();
std::string_view report_js();
std::string_view report_css();
// Only in reports with a CPU profile: d3-flame-graph 4.1.3, d3-selection 3.0.0, our flame graph script.
std::string_view flamegraph_js();
std::string_view flamegraph_css();
std::string_view d3_selection_js();
std::string_view profile_js();

}  // namespace loadgen::reports::html
