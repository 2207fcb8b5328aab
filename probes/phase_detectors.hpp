#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "probes/child_process.hpp"

// How the startup probe notices each kind of readiness phase, as close as possible to when it
// happened. Each detector blocks its caller (the startup probe gives each phase a thread) and
// returns the moment of detection, or nothing at the deadline or once `cancel` is set.
namespace loadgen::probes {

// Polling pace: the first pause is short because start-up is often fast; it doubles up to
// `cap`, which bounds how late a phase can be noticed.
struct PollPace {
  std::chrono::nanoseconds first = std::chrono::microseconds(100);
  std::chrono::nanoseconds cap = std::chrono::microseconds(500);
};

struct DetectorContext {
  Clock::time_point deadline;
  const std::atomic<bool>* cancel = nullptr;  // set by the caller to end the wait early
  PollPace pace;
  bool cancelled() const { return cancel != nullptr && cancel->load(std::memory_order_relaxed); }
};

// One connection attempt to host:port (numeric IPv4 or IPv6), waiting at most `timeout` for
// the handshake. True when the port accepted it.
bool tcp_accepts(const std::string& host, int port, std::chrono::milliseconds timeout);

// The start of the first connection attempt that the port accepted.
std::optional<Clock::time_point> detect_tcp(const std::string& host, int port,
                                            const DetectorContext& context);

// The first GET of `path` answered 2xx: the moment it was sent, or, when the target held the
// request longer than the poll cap before answering, the moment the answer came (a target
// that accepts connections but answers only once ready is ready when it answers).
std::optional<Clock::time_point> detect_http(const std::string& host, int port,
                                             const std::string& path,
                                             const DetectorContext& context);

// When the first line (stdout or stderr) matching `pattern` was read: exact to the read, as
// the process's reader threads stamp every line on arrival. Nothing as well when both streams
// have closed without it.
std::optional<Clock::time_point> detect_log(ChildProcess& process, const std::regex& pattern,
                                            const DetectorContext& context);

// The port from the process's "listening on HOST:PORT" line, waiting for it like a log phase.
std::optional<int> learn_port(ChildProcess& process, const DetectorContext& context);

// A target may report when a phase really happened, by its own CLOCK_MONOTONIC (which is
// steady_clock on Linux), with a line "loadgen-phase NAME NANOSECONDS"; the startup probe
// then reports its detection error. The time, when `line` is that mark for phase `name`.
std::optional<Clock::time_point> parse_phase_mark(std::string_view line, std::string_view name);

}  // namespace loadgen::probes
