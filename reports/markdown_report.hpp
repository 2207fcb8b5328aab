#pragma once

#include <string>

#include "harness/run/result.hpp"

namespace loadgen::reports {

// A short GitHub-flavoured Markdown summary for $GITHUB_STEP_SUMMARY or a pull-request
// comment: the verdict first, the SLO table, key percentiles per request name, throughput
// and errors.
std::string markdown_summary(const run::Result& result);

}  // namespace loadgen::reports
