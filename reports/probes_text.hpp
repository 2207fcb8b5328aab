#pragma once

#include <string>

#include "harness/run/result.hpp"

// The start-up and resources parts of the console summary and of summary.md; empty strings
// when the run has no such figures.
namespace loadgen::reports {

std::string startup_console(const run::Result& r);
std::string resources_console(const run::Result& r);
std::string startup_markdown(const run::Result& r);
std::string resources_markdown(const run::Result& r);

}  // namespace loadgen::reports
