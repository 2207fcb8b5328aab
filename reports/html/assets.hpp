#pragma once

#include <string_view>

// The report page's front-end files, inlined at build time (see embed_assets.cmake): uPlot
// from reports/html/node_modules (pinned by package-lock.json, installed by scripts/setup) and
// the report's own script and style.
namespace loadgen::reports::html {

std::string_view uplot_js();
std::string_view uplot_css();
std::string_view report_js();
std::string_view report_css();

}  // namespace loadgen::reports::html
