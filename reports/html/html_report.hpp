#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/result.hpp"

// report.html: one self-contained page (uPlot, the report's script and its data inlined; no
// network access needed to open it) with the verdict, the load shape, latency over time, the
// percentile spectrum, errors, start-up, resources, the scenario and the machine.
namespace loadgen::reports::html {

// The sections every page has, in order (a section without data says so).
inline constexpr const char* kSectionIds[] = {"verdict",   "load",     "latency",
                                              "spectrum",  "errors",   "startup",
                                              "resources", "scenario", "machine"};

// `context`: result.json's context block (host, CPUs, build); null when not known.
std::string html_report(const run::Result& result, const nlohmann::json& context);
void write_html_report(const run::Result& result, const nlohmann::json& context,
                       const std::string& path);

}  // namespace loadgen::reports::html
