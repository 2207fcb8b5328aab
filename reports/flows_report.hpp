#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/run/result.hpp"

// The flows' part of the reports: started/completed/failed per flow with the failing steps,
// and what each feed did. Kept apart from the writers that include it.
namespace loadgen::reports {

nlohmann::json flows_json(const run::Result& r);  // [] without flows
nlohmann::json feeds_json(const run::Result& r);  // [] without feeds
std::string flows_console_table(const run::Result& r);  // "" without flows

}  // namespace loadgen::reports
