#pragma once

#include <mutex>
#include <string_view>

// Start-up progress on stdout, one line per event, flushed at once: a start-up probe matches
// these lines by regex while the server keeps running, so nothing may sit in a buffer.
namespace loadgen::refserver {

class PhaseLog {
 public:
  // Prints "phase <what>".
  void phase(std::string_view what);
  // Prints the line as given.
  void line(std::string_view text);

 private:
  std::mutex mutex_;
};

}  // namespace loadgen::refserver
