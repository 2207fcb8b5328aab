#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

// Runs the refserver binary as a child process for integration tests: stdout is read line
// by line with deadlines (the start-up lines), stderr goes to a file read after exit. Every
// wait is bounded; the destructor kills a child that is still running.
namespace loadgen::refserver::testing {

using std::chrono::milliseconds;

class ServerProcess {
 public:
  // Starts `binary` with `args`; stderr is written to `stderr_path`.
  ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                std::filesystem::path stderr_path);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Reads stdout until a line containing `needle` arrives; nullopt at the deadline or EOF.
  std::optional<std::string> wait_for_line(std::string_view needle, milliseconds timeout);
  // Waits for "listening on 127.0.0.1:PORT" and returns PORT (0 on timeout).
  std::uint16_t wait_for_port(milliseconds timeout);

  void send_signal(int signal);
  // The exit status (128 + signal when killed by one); nullopt if still running at the deadline.
  std::optional<int> wait_for_exit(milliseconds timeout);

  // Every stdout line read so far, and stderr (complete once the process has exited).
  const std::vector<std::string>& lines() const { return lines_; }
  std::string stderr_text() const;

 private:
  bool read_more(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::filesystem::path stderr_path_;
  std::string pending_;
  std::vector<std::string> lines_;
  std::size_t consumed_ = 0;  // lines already returned by wait_for_line
  std::optional<int> exit_status_;
};

struct Finished {
  int exit_code = -1;  // -1: did not exit in time (then it was killed)
  std::vector<std::string> stdout_lines;
  std::string stderr_text;
};

// Runs the binary to completion (bounded by `timeout`), for start-up failures.
Finished run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                     const std::filesystem::path& stderr_path, milliseconds timeout);

}  // namespace loadgen::refserver::testing
