#pragma once

#include <string>

#include "harness/run/result.hpp"

// The profiles in the console summary and summary.md: per stage its samples and top functions
// (or exactly why there is no profile), and with a baseline the functions whose share changed
// most. Empty when nothing was profiled.
namespace loadgen::reports {

std::string profiles_console(const run::Result& r);
std::string profiles_markdown(const run::Result& r);

}  // namespace loadgen::reports
