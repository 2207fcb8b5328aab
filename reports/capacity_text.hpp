#pragma once

#include <string>

#include "harness/run/result.hpp"
#include "harness/scenario/scenario.hpp"

// A capacity search for people: the plan line, the console's and summary.md's answer.
namespace loadgen::reports {

// "from 50/s to at most 20k/s, 10s trials x2, precision 5%, confirm 30s"
std::string search_plan_text(const scenario::SearchSpec& spec, scenario::LoadModel model);
// The console's capacity block: the answer and the trials' table; "" without a search.
std::string capacity_console(const run::Result& r);
// summary.md's: the answer and a table of the trials; "" without a search.
std::string capacity_markdown(const run::Result& r);
// "1.2k/s" or "40 users".
std::string capacity_level_text(double level, const std::string& unit);

}  // namespace loadgen::reports
