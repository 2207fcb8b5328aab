#include "probes/perf_recorder.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>
#include <streambuf>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

extern char** environ;

namespace loadgen::probes {
namespace {

constexpr const char* kPerfNotInstalled =
    "perf is not installed or not on PATH: apt-get install linux-perf";
constexpr const char* kPerfAllowHint =
    "sudo sysctl kernel.perf_event_paranoid=1 (or run loadgen with CAP_PERFMON)";
constexpr uint64_t kCapSysAdmin = uint64_t{1} << 21;
constexpr uint64_t kCapPerfmon = uint64_t{1} << 38;
// perf record reads the kernel's symbols before it enables its events: ~0.3 s here, more on a
// loaded machine. A perf too old to say "Events enabled" is taken as started after this.
constexpr std::chrono::seconds kPerfStartTimeout{10};
// Writing the data after SIGTERM: 10 ms for a few hundred samples, 0.2 s for 46 MB of dwarf
// stacks here.
constexpr std::chrono::seconds kPerfStopGrace{30};
constexpr size_t kPerfStderrLines = 30;

bool perf_is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string perf_read_small_file(const char* path, bool& ok) {
  std::ifstream in(path);
  ok = static_cast<bool>(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string perf_join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (l.empty())
      continue;
    if (!out.empty())
      out += '\n';
    out += l;
  }
  return out;
}

// An istream's buffer over a pipe: perf script's output is folded as it comes, never held whole.
class PerfPipeBuf : public std::streambuf {
 public:
  explicit PerfPipeBuf(int fd) : fd_(fd) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr())
      return traits_type::to_int_type(*gptr());
    ssize_t n = 0;
    do {
      n = ::read(fd_, buffer_, sizeof buffer_);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
      return traits_type::eof();
    setg(buffer_, buffer_, buffer_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  int fd_;
  char buffer_[1 << 16];
};

// Keeps the end of a stream (perf script's stderr) while the output is read.
void perf_drain_tail(int fd, std::string& tail) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    tail.append(buf, static_cast<size_t>(n));
    if (tail.size() > 32768)
      tail.erase(0, tail.size() - 16384);
  }
  ::close(fd);
}

std::string perf_last_lines(const std::string& text, size_t lines) {
  std::vector<std::string> all;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty())
      all.push_back(l);
  }
  if (all.size() > lines)
    all.erase(all.begin(), all.end() - static_cast<long>(lines));
  return perf_join(all);
}

}  // namespace

std::string find_program(std::string_view name) {
  if (name.empty())
    return "";
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    return perf_is_executable_file(path) ? path : "";
  }
  const char* env = std::getenv("PATH");
  const std::string_view dirs = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  size_t from = 0;
  while (from <= dirs.size()) {
    const auto colon = dirs.find(':', from);
    const auto dir =
        dirs.substr(from, colon == std::string_view::npos ? std::string_view::npos : colon - from);
    std::string candidate = dir.empty() ? std::string(".") : std::string(dir);
    candidate.append("/").append(name);
    if (perf_is_executable_file(candidate))
      return candidate;
    if (colon == std::string_view::npos)
      break;
    from = colon + 1;
  }
  return "";
}

std::optional<uint64_t> parse_cap_eff(std::string_view status_text) {
  size_t at = 0;
  while (at < status_text.size()) {
    const auto nl = status_text.find('\n', at);
    auto line =
        status_text.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    if (line.starts_with("CapEff:")) {
      line.remove_prefix(7);
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
        line.remove_prefix(1);
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
        line.remove_suffix(1);
      uint64_t bits = 0;
      const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), bits, 16);
      if (ec != std::errc{} || end != line.data() + line.size() || line.empty())
        return std::nullopt;
      return bits;
    }
    if (nl == std::string_view::npos)
      break;
    at = nl + 1;
  }
  return std::nullopt;
}

std::string perf_unavailable_reason(const PerfAccess& access) {
  if (access.perf_path.empty())
    return kPerfNotInstalled;
  if (!access.paranoid) {
    return "this kernel has no perf events (/proc/sys/kernel/perf_event_paranoid is missing): "
           "profiling needs a kernel built with CONFIG_PERF_EVENTS";
  }
  const bool privileged =
      access.cap_eff ? (*access.cap_eff & (kCapPerfmon | kCapSysAdmin)) != 0 : access.euid == 0;
  if (privileged)
    return "";
  const int level = *access.paranoid;
  if (level >= 3) {
    return fmt::format(
        "kernel.perf_event_paranoid is {}: perf is disabled for processes without CAP_PERFMON or "
        "CAP_SYS_ADMIN (Debian's restriction); to allow it: {}",
        level, kPerfAllowHint);
  }
  if (level == 2) {
    return fmt::format(
        "kernel.perf_event_paranoid is 2: without CAP_PERFMON or CAP_SYS_ADMIN perf may not "
        "sample the kernel, so stacks would lack their kernel frames; to allow it: {}",
        kPerfAllowHint);
  }
  return "";
}

PerfAccess read_perf_access(const std::string& perf_path) {
  PerfAccess access;
  access.perf_path = perf_path;
  access.euid = ::geteuid();
  bool ok = false;
  const auto paranoid_text = perf_read_small_file("/proc/sys/kernel/perf_event_paranoid", ok);
  if (ok) {
    std::string_view digits(paranoid_text);
    while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' '))
      digits.remove_suffix(1);
    int level = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), level);
    if (ec == std::errc{} && end == digits.data() + digits.size())
      access.paranoid = level;
  }
  const auto status = perf_read_small_file("/proc/self/status", ok);
  if (ok)
    access.cap_eff = parse_cap_eff(status);
  return access;
}

std::string perf_unavailable_reason(const std::string& perf_path) {
  return perf_unavailable_reason(read_perf_access(perf_path));
}

PerfRecorder::~PerfRecorder() {
  if (process_)
    process_->stop(std::chrono::seconds(5));
}

core::Expected<bool> PerfRecorder::start(const Options& options) {
  using Result = core::Expected<bool>;
  if (process_)
    return Result::failure(fmt::format("perf is already recording to {}", data_path_));
  const std::string perf = options.perf.empty() ? find_program("perf") : options.perf;
  if (perf.empty())
    return Result::failure(kPerfNotInstalled);
  if (options.pids.empty())
    return Result::failure("perf record: no pid to profile");
  if (options.frequency <= 0)
    return Result::failure(fmt::format("perf record: bad frequency {}", options.frequency));
  if (options.data_path.empty())
    return Result::failure("perf record: no data path");
  std::vector<std::string> argv = {perf, "record", "-F", std::to_string(options.frequency)};
  if (options.call_graph == "fp") {
    argv.emplace_back("-g");
  } else if (options.call_graph == "dwarf") {
    argv.insert(argv.end(), {"--call-graph", "dwarf"});
  } else {
    return Result::failure(
        fmt::format("perf record: call graph '{}' is neither fp nor dwarf", options.call_graph));
  }
  std::string pids;
  for (const int pid : options.pids)
    pids += (pids.empty() ? "" : ",") + std::to_string(pid);
  // -D 1: start with the events off and switch them on 1 ms after perf is ready, saying
  // "Events enabled": the moment recording starts. --no-bpf-event: without it perf starts a
  // side-band thread (for BPF programs' symbols) that polls with a 1 s timeout, and every stop
  // waited up to that second. --no-buildid-cache: no copy of every binary sampled into
  // ~/.debug at each stop.
  argv.insert(argv.end(), {"-p", pids, "-o", options.data_path, "-D", "1", "--no-bpf-event",
                           "--no-buildid-cache"});
  // perf renames an existing output to <path>.old; a stage's data replaces the last instead.
  std::error_code ignored;
  std::filesystem::remove(options.data_path, ignored);

  auto spawned = ChildProcess::spawn({argv, {}, "", ""});
  if (!spawned)
    return Result::failure(spawned.error());
  auto process = std::move(spawned).value();
  const auto enabled = process->wait_for_line(
      [](const OutputLine& l) {
        return l.is_stderr && l.text.find("Events enabled") != std::string::npos;
      },
      Clock::now() + kPerfStartTimeout);
  if (!enabled && process->wait_exited(Clock::now() + std::chrono::seconds(1))) {
    // Exited before recording: no permission, no such process, an option it does not know.
    const auto why = process->exit_description();
    const auto tail = perf_join(process->stderr_tail(kPerfStderrLines));
    process->stop(std::chrono::seconds(1));
    return Result::failure(fmt::format("perf record {}{}{}", why, tail.empty() ? "" : ": ", tail));
  }
  process_ = std::move(process);
  data_path_ = options.data_path;
  last_stderr_.clear();
  return true;
}

core::Expected<bool> PerfRecorder::stop() {
  using Result = core::Expected<bool>;
  if (!process_)
    return Result::failure("perf is not recording");
  // perf record ends on SIGTERM as on SIGINT: it writes the data, then dies of the signal.
  const auto how = process_->stop(kPerfStopGrace);
  const auto code = process_->exit_code();
  last_stderr_ = process_->stderr_tail(kPerfStderrLines);
  process_.reset();
  const auto tail = perf_join(last_stderr_);
  const bool ended_by_us = how.starts_with(fmt::format("killed by signal {} ", SIGTERM));
  const bool finished = code && *code == 0;  // the targets all exited: perf stops by itself
  if (how.starts_with(fmt::format("killed by signal {} ", SIGKILL))) {
    return Result::failure(
        fmt::format("perf record did not finish writing {} within {} s and was killed{}{}",
                    data_path_, kPerfStopGrace.count(), tail.empty() ? "" : ": ", tail));
  }
  if (!ended_by_us && !finished) {
    return Result::failure(fmt::format("perf record {}{}{}", how, tail.empty() ? "" : ": ", tail));
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(data_path_, ec);
  if (ec || size == 0) {
    return Result::failure(fmt::format("perf record wrote no data to {}{}{}", data_path_,
                                       tail.empty() ? "" : ": ", tail));
  }
  return true;
}

std::vector<std::string> PerfRecorder::stderr_tail(size_t lines) const {
  if (process_)
    return process_->stderr_tail(lines);
  const size_t skip = last_stderr_.size() > lines ? last_stderr_.size() - lines : 0;
  return {last_stderr_.begin() + static_cast<long>(skip), last_stderr_.end()};
}

core::Expected<FoldedStacks> PerfRecorder::fold(const Options& options) const {
  using Result = core::Expected<FoldedStacks>;
  if (process_ && data_path_ == options.data_path) {
    return Result::failure(
        fmt::format("perf is still recording to {}: stop() it first", data_path_));
  }
  const std::string perf = options.perf.empty() ? find_program("perf") : options.perf;
  if (perf.empty())
    return Result::failure(kPerfNotInstalled);
  std::error_code ec;
  if (!std::filesystem::exists(options.data_path, ec)) {
    return Result::failure(fmt::format("no perf data at {}", options.data_path));
  }
  std::vector<std::string> args = {perf, "script", "-i", options.data_path};
  if (!options.inline_frames)
    args.emplace_back("--no-inline");
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    return Result::failure(fmt::format("pipe: {}", std::strerror(errno)));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Result::failure(fmt::format("pipe: {}", std::strerror(e)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return Result::failure(fmt::format("cannot start '{}': {}", perf, std::strerror(rc)));
  }
  std::string err_tail;
  std::thread err_reader([fd = err_pipe[0], &err_tail] { perf_drain_tail(fd, err_tail); });
  FoldedStacks folded;
  {
    PerfPipeBuf buf(out_pipe[0]);
    std::istream in(&buf);
    folded = fold_perf_script(in);
  }
  ::close(out_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  err_reader.join();
  const auto tail = perf_last_lines(err_tail, kPerfStderrLines);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const auto how = WIFEXITED(status) ? fmt::format("exited with status {}", WEXITSTATUS(status))
                                       : fmt::format("killed by signal {}", WTERMSIG(status));
    return Result::failure(fmt::format("perf script -i {} {}{}{}", options.data_path, how,
                                       tail.empty() ? "" : ": ", tail));
  }
  return folded;
}

}  // namespace loadgen::probes
