#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "harness/core/expected.hpp"
#include "probes/child_process.hpp"
#include "probes/folded_stacks.hpp"

// Profiling the target with Linux perf: `perf record` on its pids while a stage runs, then
// `perf script` on the data, folded as it streams (probes/folded_stacks.hpp).
namespace loadgen::probes {

// The program's path as found on $PATH (a name holding '/' is taken as a path); empty when
// there is no such executable file.
std::string find_program(std::string_view name);

// What decides whether this process may profile another with perf.
struct PerfAccess {
  std::string perf_path;        // empty: perf was not found
  std::optional<int> paranoid;  // /proc/sys/kernel/perf_event_paranoid; none: the file is missing
  uid_t euid = 0;
  std::optional<uint64_t> cap_eff;  // CapEff of /proc/self/status; none: not readable
};
// "" when profiling can work, else why not and how to allow it. Privileged means CAP_PERFMON
// (bit 38) or CAP_SYS_ADMIN (bit 21) in CapEff (the kernel checks the capabilities, not the
// uid: root in a container without them is refused too); only when CapEff cannot be read does
// euid 0 stand for them. perf_event_paranoid 2 (user space only: no kernel frames) and 3+
// (Debian: no perf at all) stop an unprivileged loadgen.
std::string perf_unavailable_reason(const PerfAccess& access);
// The CapEff bits of /proc/self/status text.
std::optional<uint64_t> parse_cap_eff(std::string_view status_text);
// Reads the paranoid level, geteuid() and CapEff of this process.
PerfAccess read_perf_access(const std::string& perf_path);
// perf_unavailable_reason(read_perf_access(perf_path)).
std::string perf_unavailable_reason(const std::string& perf_path);

// One `perf record` at a time: start() when a stage begins, stop() when it ends, then fold().
class PerfRecorder {
 public:
  struct Options {
    std::string perf;  // the perf program; empty: "perf" on $PATH
    std::vector<int> pids;
    int frequency = 99;             // samples per second per thread (-F)
    std::string call_graph = "fp";  // "fp" (-g: cheap, needs frame pointers) or "dwarf" (big data)
    std::string data_path;          // perf.data to write (-o), then read by fold()
    // fold(): inlined calls as frames of their own (`perf script --inline`, perf's default).
    // Off by default: with dwarf call graphs it made perf script ~5x slower.
    bool inline_frames = false;
  };

  PerfRecorder() = default;
  ~PerfRecorder();  // stops a recording still running
  PerfRecorder(const PerfRecorder&) = delete;
  PerfRecorder& operator=(const PerfRecorder&) = delete;

  // Starts `perf record -F <f> -g|--call-graph dwarf -p <pids> -o <data_path>` and returns once
  // perf says its events are enabled (its start-up, reading kernel symbols, takes ~0.3 s), so
  // that the samples cover what follows. Fails with perf's stderr when perf exits before that
  // (no permission, no such process, a bad option). A file already at data_path is replaced.
  core::Expected<bool> start(const Options& options);
  bool recording() const { return process_ != nullptr; }
  // Ends the recording (perf writes its data on SIGTERM as on SIGINT); fails with perf's
  // stderr tail when perf failed, or did not finish writing in time.
  core::Expected<bool> stop();
  // Runs `perf script -i <data_path>` and folds its output as it streams. Fails with perf's
  // stderr when perf script fails (no such file, not perf data). Data without a sample is no
  // failure: it folds to samples == 0 (the targets were idle, or gone), for the caller to
  // report as such.
  core::Expected<FoldedStacks> fold(const Options& options) const;

  // The last lines perf record wrote to stderr (its "[ perf record: Captured and wrote ...]").
  std::vector<std::string> stderr_tail(size_t lines) const;

 private:
  std::unique_ptr<ChildProcess> process_;
  std::string data_path_;
  std::vector<std::string> last_stderr_;
};

}  // namespace loadgen::probes
