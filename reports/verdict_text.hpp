#pragma once

#include <string>

#include "harness/run/result.hpp"

// The verdict as every report words it, so that the console, summary.md and report.html never
// disagree: PASS, FAIL or NONE (no SLOs declared), and why, when it is not a pass.
namespace loadgen::reports {

std::string verdict_word(const run::Result& r);     // "PASS" | "FAIL" | "NONE"
std::string verdict_class(const run::Result& r);    // "pass" | "fail" | "none" (CSS, badges)
std::string verdict_reasons(const run::Result& r);  // "every request failed; ..." or ""

}  // namespace loadgen::reports
