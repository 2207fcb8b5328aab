#pragma once

#include <cstddef>

#include "harness/run/result.hpp"

// A made-up but self-consistent run::Result for report tests: a timeline of `seconds` points
// through ramp, hold and drain stages, two request names with histograms, errors of two kinds,
// SLOs (one failing), a start-up probe with sequential and staged variants (one failed run),
// and resource samples of the target (RSS growing) and of loadgen. User-visible strings carry
// HTML metacharacters, so a report that forgets to escape one shows it.
namespace loadgen::testing {

run::Result synthetic_run(size_t seconds, size_t values_per_second = 50);

}  // namespace loadgen::testing
