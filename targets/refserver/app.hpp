#pragma once

#include "targets/refserver/config.hpp"

namespace loadgen::refserver {

// Starts refserver as configured (sequential or staged), serves until SIGTERM/SIGINT, drains,
// and returns the process exit code: 0 after a clean drain, 1 when accepted items could not
// be written, 2 when start-up failed (the reason is one line on stderr).
int run_app(const Config& config);

}  // namespace loadgen::refserver
