#include "probes/startup_run.hpp"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "probes/target_launcher.hpp"

namespace loadgen::probes {
namespace {

using Nanos = std::chrono::nanoseconds;

// How often the supervisor looks at the process (exit, deadline, interrupt) between arrivals.
constexpr auto kSupervisePeriod = std::chrono::milliseconds(1);
// After the target exits, log phases still get its last lines, which may be in the pipe.
constexpr auto kDrainAfterExit = std::chrono::milliseconds(200);
// A target's own phase mark may follow the moment the probe already saw the phase.
constexpr auto kMarkWait = std::chrono::milliseconds(100);
// Between the streams closing and the exit being reapable; a target that closed its streams
// and lives on is not waited for longer.
constexpr auto kExitAfterClose = std::chrono::milliseconds(500);
constexpr std::string_view kPortVariable = "${port}";

// A tcp phase's own port; nothing when it means the target's port.
std::optional<int> fixed_tcp_port(const std::string& target) {
  if (target.empty() || target == kPortVariable)
    return std::nullopt;
  int port = 0;
  auto [ptr, ec] = std::from_chars(target.data(), target.data() + target.size(), port);
  if (ec != std::errc{} || ptr != target.data() + target.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

std::string check_phase(const PhaseProbe& phase) {
  switch (phase.kind) {
    case PhaseKind::kTcp:
      if (!phase.target.empty() && phase.target != kPortVariable && !fixed_tcp_port(phase.target)) {
        return fmt::format("tcp phase '{}': '{}' is not a port (1-65535) or ${{port}}", phase.name,
                           phase.target);
      }
      return {};
    case PhaseKind::kHttp:
      if (!phase.target.starts_with('/')) {
        return fmt::format("http phase '{}': '{}' is not a path starting with '/'", phase.name,
                           phase.target);
      }
      return {};
    case PhaseKind::kLog:
      try {
        std::regex pattern(phase.target, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return fmt::format("log phase '{}': '{}' is not a regex: {}", phase.name, phase.target,
                           e.what());
      }
      return {};
  }
  return {};
}

bool uses_port(const StartOptions& options) {
  const auto has = [](const std::string& s) { return s.find(kPortVariable) != std::string::npos; };
  return std::any_of(options.argv.begin(), options.argv.end(), has) ||
         std::any_of(options.env.begin(), options.env.end(),
                     [&](const auto& e) { return has(e.second); });
}

std::optional<int> choose_port(const StartOptions& options) {
  if (options.port)
    return options.port;
  if (uses_port(options))
    return pick_free_port(options.host);
  return std::nullopt;
}

std::vector<std::regex> compile_patterns(const std::vector<PhaseProbe>& phases) {
  std::vector<std::regex> patterns(phases.size());
  for (size_t i = 0; i < phases.size(); ++i) {
    if (phases[i].kind == PhaseKind::kLog)
      patterns[i] = std::regex(phases[i].target, std::regex::ECMAScript);
  }
  return patterns;
}

// Every phase on its own thread, so a slow HTTP answer never delays noticing a log line or an
// open port; the supervisor (the caller's thread) watches the process and the clock.
class PhaseWatch {
 public:
  enum class End { kAllArrived, kExited, kTimedOut, kOutputClosed, kInterrupted };

  PhaseWatch(ChildProcess& process, const StartOptions& options, std::optional<int> port)
      : process_(process),
        options_(options),
        patterns_(compile_patterns(options.phases)),
        deadline_(process.spawned_at() + options.timeout),
        port_(port.value_or(0)),
        arrived_(options.phases.size()) {
    for (size_t i = 0; i < options_.phases.size(); ++i)
      threads_.emplace_back([this, i] { watch(i); });
  }
  ~PhaseWatch() { stop(End::kInterrupted); }
  PhaseWatch(const PhaseWatch&) = delete;
  PhaseWatch& operator=(const PhaseWatch&) = delete;

  End supervise(const std::atomic<bool>* interrupted);
  // Ends every detector; after an exit, log detectors first get the target's last lines.
  void stop(End end);
  std::vector<std::optional<Clock::time_point>> arrivals() const {
    std::lock_guard lock(mutex_);
    return arrived_;
  }
  int port() const { return port_.load(); }

 private:
  void watch(size_t index);
  std::optional<Clock::time_point> detect_on_port(const PhaseProbe& phase,
                                                  const DetectorContext& c);
  DetectorContext context(const std::atomic<bool>& cancel) const {
    return {deadline_, &cancel, options_.pace};
  }
  bool wait_all(Clock::time_point until);
  bool all_arrived() const;

  ChildProcess& process_;
  const StartOptions& options_;
  const std::vector<std::regex> patterns_;
  const Clock::time_point deadline_;
  std::atomic<int> port_;  // 0 until known
  std::atomic<bool> cancel_net_{false};
  std::atomic<bool> cancel_log_{false};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<Clock::time_point>> arrived_;
  size_t finished_ = 0;
  std::vector<std::thread> threads_;  // last: started once everything above exists
};

void PhaseWatch::watch(size_t index) {
  const auto& phase = options_.phases[index];
  const auto at = phase.kind == PhaseKind::kLog
                      ? detect_log(process_, patterns_[index], context(cancel_log_))
                      : detect_on_port(phase, context(cancel_net_));
  std::lock_guard lock(mutex_);
  arrived_[index] = at;
  ++finished_;
  changed_.notify_all();
}

std::optional<Clock::time_point> PhaseWatch::detect_on_port(const PhaseProbe& phase,
                                                            const DetectorContext& c) {
  std::optional<int> port =
      phase.kind == PhaseKind::kTcp ? fixed_tcp_port(phase.target) : std::nullopt;
  if (!port && port_.load() != 0)
    port = port_.load();
  if (!port) {
    port = learn_port(process_, c);
    if (!port)
      return std::nullopt;
    port_.store(*port);
  }
  return phase.kind == PhaseKind::kTcp ? detect_tcp(options_.host, *port, c)
                                       : detect_http(options_.host, *port, phase.target, c);
}

bool PhaseWatch::wait_all(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, until, [this] { return finished_ == arrived_.size(); });
}

bool PhaseWatch::all_arrived() const {
  std::lock_guard lock(mutex_);
  return std::all_of(arrived_.begin(), arrived_.end(), [](const auto& a) { return a.has_value(); });
}

PhaseWatch::End PhaseWatch::supervise(const std::atomic<bool>* interrupted) {
  for (;;) {
    const bool all_finished = wait_all(Clock::now() + kSupervisePeriod);
    if (all_finished && all_arrived())
      return End::kAllArrived;
    if (interrupted != nullptr && interrupted->load())
      return End::kInterrupted;
    if (!process_.running())
      return End::kExited;
    if (Clock::now() >= deadline_)
      return End::kTimedOut;
    // Every detector gave up before the deadline: only log phases do, when the target closed
    // both its output streams. A target that exited closes them a moment before it can be
    // reaped; its exit status is the reason to give, every time.
    if (all_finished)
      return process_.wait_exited(Clock::now() + kExitAfterClose) ? End::kExited : End::kOutputClosed;
  }
}

void PhaseWatch::stop(End end) {
  cancel_net_.store(true);
  if (end == End::kExited)
    wait_all(Clock::now() + kDrainAfterExit);
  cancel_log_.store(true);
  for (auto& t : threads_) {
    if (t.joinable())
      t.join();
  }
}

std::string failure_text(PhaseWatch::End end, const std::string& missed, const TimedStart& start,
                         const StartOptions& options) {
  switch (end) {
    case PhaseWatch::End::kExited:
      return fmt::format("the target {} before '{}'", start.exit_description, missed);
    case PhaseWatch::End::kTimedOut:
      return fmt::format("'{}' did not arrive within {}", missed,
                         core::format_duration(options.timeout));
    case PhaseWatch::End::kOutputClosed:
      return fmt::format("'{}' did not arrive: the target closed stdout and stderr", missed);
    case PhaseWatch::End::kInterrupted:
      return fmt::format("interrupted before '{}'", missed);
    case PhaseWatch::End::kAllArrived:
      break;
  }
  return {};
}

void record_failure(TimedStart& start, PhaseWatch::End end, const StartOptions& options) {
  for (size_t i = 0; i < options.phases.size() && start.missed_phase.empty(); ++i) {
    if (!start.phase_after[i])
      start.missed_phase = options.phases[i].name;
  }
  auto& process = *start.process;
  if (end == PhaseWatch::End::kExited) {
    start.exit_description = process.exit_description();
    start.exit_code = process.exit_code();
  }
  start.interrupted = end == PhaseWatch::End::kInterrupted;
  start.failure = failure_text(end, start.missed_phase, start, options);
  process.stop(options.stop_grace);
  start.stderr_tail = process.stderr_tail(kStderrTailLines);
}

void record_detection_errors(TimedStart& start, const StartOptions& options) {
  start.detection_error.assign(options.phases.size(), std::nullopt);
  auto& process = *start.process;
  const bool marks =
      process
          .wait_for_line([](const OutputLine& l) { return l.text.starts_with("loadgen-phase "); },
                         Clock::now())
          .has_value();
  if (!marks)
    return;
  for (size_t i = 0; i < options.phases.size(); ++i) {
    if (!start.phase_after[i])
      continue;
    const auto& name = options.phases[i].name;
    auto line = process.wait_for_line(
        [&name](const OutputLine& l) { return parse_phase_mark(l.text, name).has_value(); },
        Clock::now() + kMarkWait);
    if (!line)
      continue;
    const auto detected = process.spawned_at() + *start.phase_after[i];
    start.detection_error[i] = detected - *parse_phase_mark(line->text, name);
  }
}

}  // namespace

std::vector<std::string> check_start_options(const StartOptions& options) {
  std::vector<std::string> problems;
  if (options.argv.empty() || options.argv.front().empty())
    problems.emplace_back("the command is empty");
  if (options.phases.empty())
    problems.emplace_back("there are no phases to time");
  if (options.timeout <= Nanos{0})
    problems.emplace_back("the timeout must be longer than 0s");
  std::set<std::string> names;
  for (const auto& phase : options.phases) {
    if (phase.name.empty())
      problems.emplace_back("a phase has no name");
    if (!names.insert(phase.name).second)
      problems.push_back(fmt::format("phase '{}' is given twice", phase.name));
    if (auto problem = check_phase(phase); !problem.empty())
      problems.push_back(std::move(problem));
  }
  return problems;
}

core::Expected<TimedStart> start_timed(const StartOptions& options,
                                       const std::atomic<bool>* interrupted) {
  using Result = core::Expected<TimedStart>;
  if (auto problems = check_start_options(options); !problems.empty()) {
    return Result::failure(fmt::format("{}", fmt::join(problems, "; ")));
  }
  const auto port = choose_port(options);
  TimedStart start;
  auto env = options.env;
  for (const auto& arg : options.argv)
    start.argv.push_back(port ? substitute_port(arg, *port) : arg);
  for (auto& [name, value] : env)
    value = port ? substitute_port(value, *port) : value;
  auto child = ChildProcess::spawn({start.argv, env, options.stdout_path, options.stderr_path});
  if (!child)
    return Result::failure(child.error());
  start.process = std::move(child).value();

  PhaseWatch watch(*start.process, options, port);
  const auto end = watch.supervise(interrupted);
  watch.stop(end);
  const auto spawned = start.process->spawned_at();
  for (const auto& at : watch.arrivals()) {
    start.phase_after.push_back(at ? std::optional<Nanos>(*at - spawned) : std::nullopt);
  }
  start.port = watch.port();
  const bool complete = std::all_of(start.phase_after.begin(), start.phase_after.end(),
                                    [](const auto& a) { return a.has_value(); });
  if (!complete)
    record_failure(start, end, options);
  record_detection_errors(start, options);
  return start;
}

}  // namespace loadgen::probes
