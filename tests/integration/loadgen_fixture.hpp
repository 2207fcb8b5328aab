#pragma once

// Helpers for tests that run the real loadgen binary against real servers on 127.0.0.1.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/child_process.hpp"

namespace loadgen::testing {

struct CommandResult {
  int exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
};

// A fresh directory under the build tree's temp area, removed at the end.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& content) const;
  std::string read(const std::string& name) const;  // "" when it cannot be read

 private:
  std::filesystem::path path_;
};

// A server started for a test, stopped when the object goes.
class RunningServer {
 public:
  static std::unique_ptr<RunningServer> start(std::vector<std::string> argv);
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  probes::ChildProcess& process() { return *process_; }

 private:
  std::unique_ptr<probes::ChildProcess> process_;
  int port_ = 0;
};

// Runs a program to completion (killed after `timeout`) and captures its output.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout);
// Runs loadgen with these arguments.
CommandResult run_loadgen(const std::vector<std::string>& args, std::chrono::seconds timeout = std::chrono::seconds(60));
// Starts loadgen with `args`, sends it SIGINT after `after`, and waits (up to 10 s) for it to
// end; returns its exit code (nothing if it did not end) and how long it took after the signal.
struct Interrupted {
  std::optional<int> exit_code;
  std::chrono::nanoseconds took{0};
};
Interrupted interrupt_loadgen(const std::vector<std::string>& args, std::chrono::milliseconds after);
nlohmann::json read_json(const std::string& path);

std::string loadgen_binary();
std::string test_server_binary();
std::string probe_target_binary();

}  // namespace loadgen::testing
