#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/result.hpp"

// The report's sections as HTML, rendered here so that tables and text read without script;
// each chart is a placeholder (data-chart="...") that report.js fills from the data block.
// Every user-provided string goes through escape().
namespace loadgen::reports::html {

std::string verdict_section(const run::Result& r);
std::string load_section(const run::Result& r);
std::string latency_section(const run::Result& r);
std::string spectrum_section(const run::Result& r);
std::string errors_section(const run::Result& r);
std::string capacity_section(const run::Result& r);  // "" without a capacity search
std::string shards_section(const run::Result& r);    // "" unless merged from shards, or a shard
std::string startup_section(const run::Result& r);
std::string resources_section(const run::Result& r);
std::string scenario_section(const run::Result& r);
std::string machine_section(const run::Result& r, const nlohmann::json& context);

// "< 200ms" from "http.p99 < 200ms": the threshold side of an SLO expression.
std::string threshold_of(const std::string& expression);

// A run's length as people read it: "42.0 s", "12:30", "24:00:00".
std::string duration_text(double seconds);

}  // namespace loadgen::reports::html
