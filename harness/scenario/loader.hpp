#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/scenario/scenario.hpp"

// Reads a scenario file into the validated model. Every problem is collected (not just the
// first) and named by file:line:col; nothing is run unless there are none. The format is
// documented in docs/scenario-format.md.
namespace loadgen::scenario {

struct Diagnostic {
  SourceLocation where;  // file:line:col, or "--set key" for a value given on the command line
  std::string message;
  std::string str() const;  // "soak.yaml:12:5: message"
};

struct LoadOptions {
  std::vector<std::pair<std::string, std::string>> sets;  // --set key=value, in order
  std::string tmp_dir;                                    // value of ${tmp}
  std::string bin_dir;  // value of ${bin} (the directory holding loadgen and refserver)
  std::function<std::optional<std::string>(std::string_view)> getenv;  // default: ::getenv
  // --target-pid: a process to sample that the scenario does not name; target.* SLOs may
  // then be used without target.start or probes.resources.pid_file.
  bool target_pid_given = false;
  // ${shard} and ${shards}: this process's share of a sharded run (0 and 1 when unsharded).
  int shard_index = 0;
  int shard_count = 1;
};

struct LoadResult {
  std::optional<Scenario> scenario;  // only when there are no errors
  std::vector<Diagnostic> errors;    // in file order; --set problems first
  bool ok() const { return scenario.has_value() && errors.empty(); }
};

LoadResult load_file(const std::string& path, const LoadOptions& options);
LoadResult load_string(std::string_view yaml, const std::string& file_name,
                       const LoadOptions& options);

}  // namespace loadgen::scenario
