#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "probes/child_process.hpp"
#include "probes/phase_detectors.hpp"

// One start of a target, timed phase by phase from the spawn: the unit the startup probe
// repeats, and what a load run's target.start gets for its single start.
namespace loadgen::probes {

enum class PhaseKind {
  kTcp,   // the port accepts a connection
  kHttp,  // GET of a path answers 2xx
  kLog,   // a line matching a regex appears on stdout or stderr
};

struct PhaseProbe {
  std::string name;
  PhaseKind kind = PhaseKind::kHttp;
  // tcp: "${port}" (the target's port, however it is known) or a port number; http: the path
  // ("/up"); log: an ECMAScript regex, searched in each line.
  std::string target;
};

struct StartOptions {
  std::vector<std::string> argv;           // "${port}" is replaced by the chosen port
  std::map<std::string, std::string> env;  // values too
  std::vector<PhaseProbe> phases;          // detected concurrently, each on its own
  std::string host = "127.0.0.1";
  // A fixed port. Without it: a free one when argv or env use ${port}, else learned from the
  // target's "listening on HOST:PORT" line.
  std::optional<int> port;
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);    // spawn to the last phase
  std::chrono::nanoseconds stop_grace = std::chrono::seconds(5);  // SIGTERM, then SIGKILL
  PollPace pace;
  std::string stdout_path;  // copies of the target's streams; empty: not kept
  std::string stderr_path;
};

struct TimedStart {
  std::unique_ptr<ChildProcess> process;  // running when ok(); stopped otherwise
  std::vector<std::string> argv;          // as run
  int port = 0;                           // 0 when it never became known
  // By phase, as declared: from the spawn to the detection; nothing when it did not arrive.
  std::vector<std::optional<std::chrono::nanoseconds>> phase_after;
  // By phase: detection minus the target's own "loadgen-phase" time, when it printed one.
  std::vector<std::optional<std::chrono::nanoseconds>> detection_error;
  // Empty when every phase arrived. Otherwise: "the target exited with status 3 before
  // 'ready'", "'ready' did not arrive within 30s", "interrupted before 'ready'".
  std::string failure;
  std::string missed_phase;              // the first phase (as declared) that did not arrive
  std::string exit_description;          // when the target ended by itself: "exited with status 3"
  std::optional<int> exit_code;          // when it exited (not killed by a signal)
  std::vector<std::string> stderr_tail;  // its last stderr lines, on failure
  bool interrupted = false;
  bool ok() const { return failure.empty(); }
};

// How many of a failed target's last stderr lines a report keeps.
inline constexpr size_t kStderrTailLines = 20;

// What is wrong with the options (an unusable regex, a bad tcp port, no phases ...); empty
// when they can be run. The scenario loader reports these with locations first.
std::vector<std::string> check_start_options(const StartOptions& options);

// Spawns the target and times every phase. Fails only when the options are unusable or the
// program cannot be started; a target that exits or misses a phase is a TimedStart whose
// failure says so, already stopped. `interrupted` (may be null) ends the wait early.
core::Expected<TimedStart> start_timed(const StartOptions& options,
                                       const std::atomic<bool>* interrupted);

}  // namespace loadgen::probes
