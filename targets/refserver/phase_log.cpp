#include "targets/refserver/phase_log.hpp"

#include <cstdio>

namespace loadgen::refserver {

void PhaseLog::phase(std::string_view what) {
  std::lock_guard lock(mutex_);
  std::fprintf(stdout, "phase %.*s\n", static_cast<int>(what.size()), what.data());
  std::fflush(stdout);
}

void PhaseLog::line(std::string_view text) {
  std::lock_guard lock(mutex_);
  std::fprintf(stdout, "%.*s\n", static_cast<int>(text.size()), text.data());
  std::fflush(stdout);
}

}  // namespace loadgen::refserver
