#pragma once

#include <cstddef>

namespace loadgen::run {

// Where a sliding-window SLO was at its worst: the window's bounds, in seconds since the
// run's time zero, and how many windows were judged and failed.
struct SloWindow {
  double start_s = 0;
  double end_s = 0;
  size_t windows = 0;   // windows judged (the run is one partial window when shorter)
  size_t failed = 0;    // windows in which the SLO did not hold
  bool partial = false; // the span measured was shorter than the window
};

}  // namespace loadgen::run
