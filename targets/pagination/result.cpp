#include "targets/pagination/result.hpp"

namespace loadgen::targets {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidLimit:
      return "invalid_limit";
    case ErrorCode::kInvalidOffset:
      return "invalid_offset";
    case ErrorCode::kInvalidCursor:
      return "invalid_cursor";
    case ErrorCode::kExpiredCursor:
      return "expired_cursor";
    case ErrorCode::kSetup:
      return "setup_error";
    case ErrorCode::kDatabase:
      return "database_error";
  }
  return "unknown_error";
}

}  // namespace loadgen::targets
