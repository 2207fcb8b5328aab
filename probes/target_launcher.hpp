#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "probes/child_process.hpp"

// Starts the system under test for a load run: spawn, learn its port, wait until its
// readiness path answers 2xx. Failure means exit code 3, with the reason and its stderr tail.
namespace loadgen::probes {

struct LaunchOptions {
  std::vector<std::string> argv;  // "${port}" occurrences are replaced by the chosen port
  std::map<std::string, std::string> env;
  std::string host = "127.0.0.1";
  std::string ready_path = "/up";
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);
  std::optional<int> port;  // fixed; else a free one when argv uses ${port}, else learned
  std::string stdout_path;
  std::string stderr_path;
};

struct LaunchedTarget {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
  std::chrono::nanoseconds listening_after{0};  // spawn to the "listening on" line (0: not seen)
  std::chrono::nanoseconds ready_after{0};      // spawn to the first 2xx from ready_path
  std::vector<std::string> argv;                // as run
};

core::Expected<LaunchedTarget> launch_target(const LaunchOptions& options);

// A port that was free a moment ago on `host` (the kernel picks it).
std::optional<int> pick_free_port(const std::string& host);

// `text` with every "${port}" replaced by the port number.
std::string substitute_port(std::string text, int port);

}  // namespace loadgen::probes
