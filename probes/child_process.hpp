#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/core/expected.hpp"

// A target process loadgen starts itself: spawned in its own process group (so a Ctrl-C at
// the terminal reaches loadgen, which then stops the target in order), with stdout and stderr
// read line by line as they come, copied to files, and kept for matching (ports, log phases).
namespace loadgen::probes {

using Clock = std::chrono::steady_clock;

struct OutputLine {
  Clock::time_point at;  // when loadgen read it
  bool is_stderr = false;
  std::string text;
};

struct SpawnOptions {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to (or replacing in) loadgen's environment
  std::string stdout_path;                 // copies of the streams; empty: not kept on disk
  std::string stderr_path;
};

class ChildProcess {
 public:
  // Fails when the program cannot be started (not found, not executable).
  static core::Expected<std::unique_ptr<ChildProcess>> spawn(const SpawnOptions& options);
  ~ChildProcess();  // stops the process if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  Clock::time_point spawned_at() const { return spawned_at_; }

  // True while the process has not exited (reaps it when it has).
  bool running();
  // "exited with status 2" / "killed by signal 9"; empty while running.
  std::string exit_description();
  std::optional<int> exit_code();

  // Waits for a line (either stream) for which `match` holds, looking at every line since
  // the start; returns it, or nothing at the deadline or when the process has exited and
  // both streams are closed.
  std::optional<OutputLine> wait_for_line(const std::function<bool(const OutputLine&)>& match,
                                          Clock::time_point deadline);
  std::vector<std::string> stderr_tail(size_t lines) const;

  // SIGTERM, then SIGKILL after `grace`; returns the exit description.
  std::string stop(std::chrono::nanoseconds grace);

 private:
  ChildProcess() = default;
  void read_stream(int fd, bool is_stderr, const std::string& copy_path);
  void reap(int status);

  pid_t pid_ = -1;
  Clock::time_point spawned_at_;
  std::optional<int> wait_status_;
  std::vector<std::thread> readers_;

  mutable std::mutex mutex_;
  std::condition_variable line_arrived_;
  std::vector<OutputLine> lines_;  // bounded: see read_stream
  std::deque<std::string> stderr_tail_;
  int open_streams_ = 0;
};

// Finds "listening on HOST:PORT" (or "[::1]:PORT") in a line; the port, if any.
std::optional<int> parse_listening_port(std::string_view line);

}  // namespace loadgen::probes
