#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/result.hpp"

namespace loadgen::reports {

// The machine-readable result (result.json): every figure of run::Result, plus a context
// block (loadgen version, host, CPUs, build) as Google Benchmark puts in every result.
nlohmann::json to_json(const run::Result& result);
void write_result_json(const run::Result& result, const std::string& path);

}  // namespace loadgen::reports
