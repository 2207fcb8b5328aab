#pragma once

#include <string>
#include <string_view>

namespace loadgen::reports {

// Writes `content` to `path` through a temporary file in the same directory and a rename,
// so a reader (or a crash) never sees half a report. Throws std::runtime_error on failure.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace loadgen::reports
