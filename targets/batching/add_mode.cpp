#include "targets/batching/add_mode.hpp"

namespace loadgen::targets {

std::string_view to_string(AddStatus status) noexcept {
  switch (status) {
    case AddStatus::kAccepted:
      return "accepted";
    case AddStatus::kBufferFull:
      return "buffer full";
    case AddStatus::kDeadlineExceeded:
      return "no room before the deadline";
    case AddStatus::kClosed:
      return "closed";
  }
  return "unknown add status";
}

}  // namespace loadgen::targets
