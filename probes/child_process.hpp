#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
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

  // A reader's place in the output. While it is open, the lines it has not read yet are kept
  // (the target's writes wait if need be), so a waiter never misses a line however chatty the
  // target: 10,000 lines of start-up chatter before "listening on" are read through.
  class LineCursor {
   public:
    LineCursor(LineCursor&& other) noexcept : process_(other.process_), id_(other.id_) { other.process_ = nullptr; }
    LineCursor& operator=(LineCursor&&) = delete;
    LineCursor(const LineCursor&) = delete;
    ~LineCursor();

   private:
    friend class ChildProcess;
    LineCursor(ChildProcess* process, int id) : process_(process), id_(id) {}
    ChildProcess* process_;
    int id_;
  };
  // A cursor at the oldest line still kept (the first line, unless a soak's worth has passed
  // with nobody reading).
  LineCursor cursor();

  // Waits for a line (either stream), from the cursor on, for which `match` holds; returns it
  // (the cursor then stands just after it), or nothing at the deadline or when both streams
  // are closed and every line has been read.
  std::optional<OutputLine> wait_for_line(LineCursor& cursor, const std::function<bool(const OutputLine&)>& match,
                                          Clock::time_point deadline);
  // The same from the oldest kept line, with a cursor of its own.
  std::optional<OutputLine> wait_for_line(const std::function<bool(const OutputLine&)>& match,
                                          Clock::time_point deadline);
  // Waits until the process has exited (true) or the deadline passes (false). A target that
  // exits at once closes its streams a moment before it can be reaped: whoever sees the
  // streams close asks this before saying why the target stopped.
  bool wait_exited(Clock::time_point deadline);
  std::vector<std::string> stderr_tail(size_t lines) const;

  // SIGTERM, then SIGKILL after `grace`; returns the exit description.
  std::string stop(std::chrono::nanoseconds grace);

 private:
  ChildProcess() = default;
  void read_stream(int fd, bool is_stderr, const std::string& copy_path);
  // Adds one complete line; called with mutex_ held (the lock is released while it waits for
  // a slow reader).
  void add_line(std::unique_lock<std::mutex>& lock, Clock::time_point at, bool is_stderr, std::string text);
  void reap(int status);

  pid_t pid_ = -1;
  Clock::time_point spawned_at_;
  std::optional<int> wait_status_;
  std::vector<std::thread> readers_;

  mutable std::mutex mutex_;
  std::condition_variable line_arrived_;
  std::condition_variable line_read_;  // a cursor moved on: room for more lines
  std::deque<OutputLine> lines_;       // bounded: see add_line
  uint64_t first_line_ = 0;            // the number of lines_.front() since the start
  std::map<int, uint64_t> cursors_;    // open cursors: the number of the next line each reads
  int next_cursor_id_ = 0;
  bool stopping_ = false;  // stop() was called: lines no longer wait for readers
  std::deque<std::string> stderr_tail_;
  int open_streams_ = 0;
};

// Finds "listening on HOST:PORT" (or "[::1]:PORT") in a line; the port, if any.
std::optional<int> parse_listening_port(std::string_view line);

}  // namespace loadgen::probes
