#pragma once

#include <string>

#include "harness/run/result.hpp"

namespace loadgen::reports {

// The end-of-run summary for a terminal: totals, latency (corrected and service), a table
// per request name, the SLO table with observed values, and the verdict.
std::string console_summary(const run::Result& result);

}  // namespace loadgen::reports
