#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "harness/core/expected.hpp"
#include "probes/child_process.hpp"

// One look at a process through /proc: its CPU time so far, resident memory, threads and open
// file descriptors. Linux only, as the resource probe is.
namespace loadgen::probes {

struct ProcSnapshot {
  Clock::time_point at;       // when it was read
  uint64_t user_ticks = 0;    // utime, in clock ticks (see clock_ticks_per_second)
  uint64_t system_ticks = 0;  // stime
  // CPU time in nanoseconds from the process's CPU clock (clock_getcpuclockid): what the CPU
  // rates are computed from; the ticks above only split it into user and system.
  uint64_t cpu_ns = 0;
  int64_t rss_bytes = 0;  // VmRSS
  int threads = 0;
  int fds = -1;  // -1 when /proc/<pid>/fd cannot be listed (another user's)
  int processes = 1;
};

// The snapshot, or nothing when the process is gone or a zombie (it has ended either way).
std::optional<ProcSnapshot> read_proc(pid_t pid);
// The process and all its descendants, summed: CPU (with the time of descendants already
// reaped, which the kernel moves into their parent's children time), RSS (pages shared between
// them count once per process, as top's would), threads and fds. Nothing when `root` is gone.
std::optional<ProcSnapshot> read_proc_tree(pid_t root);
// The pids of the children of `pid` (from /proc/<pid>/task/*/children).
std::vector<pid_t> child_pids(pid_t pid);

// Parsers of the files' text, apart from reading them so that tests can feed them.
struct StatFields {
  char state = '?';
  uint64_t user_ticks = 0;
  uint64_t system_ticks = 0;
  uint64_t children_user_ticks = 0;  // cutime: its reaped descendants'
  uint64_t children_system_ticks = 0;
};
// /proc/<pid>/stat: "pid (comm) state ... utime stime ..."; comm may hold spaces and ')'.
std::optional<StatFields> parse_proc_stat(std::string_view text);

struct StatusFields {
  int64_t rss_bytes = 0;
  int threads = 0;
};
// /proc/<pid>/status: the "VmRSS: N kB" and "Threads: N" lines (a zombie has no VmRSS).
std::optional<StatusFields> parse_proc_status(std::string_view text);

// Entries in /proc/<pid>/fd; -1 when it cannot be listed.
int count_open_fds(pid_t pid);

long clock_ticks_per_second();  // sysconf(_SC_CLK_TCK), usually 100
int machine_cores();            // online CPUs

// The pid in a pid file (first line, a positive number), checked to be a running process.
core::Expected<pid_t> read_pid_file(const std::string& path);

}  // namespace loadgen::probes
