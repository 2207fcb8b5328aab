#include "probes/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

extern char** environ;

namespace loadgen::probes {
namespace {

constexpr size_t kMaxKeptLines = 10000;  // matching needs the start-up lines, not a soak's worth
constexpr size_t kStderrTail = 50;

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    if (!extra.contains(std::string(name))) env.emplace_back(entry);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::optional<int> parse_listening_port(std::string_view line) {
  const auto at = line.find("listening on ");
  if (at == std::string_view::npos) return std::nullopt;
  auto rest = line.substr(at + 13);
  const auto end = rest.find_first_of(" \t\r\n");
  rest = rest.substr(0, end);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto digits = rest.substr(colon + 1);
  int port = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || ptr == digits.data() || port <= 0 || port > 65535) return std::nullopt;
  return port;
}

core::Expected<std::unique_ptr<ChildProcess>> ChildProcess::spawn(const SpawnOptions& options) {
  using Result = core::Expected<std::unique_ptr<ChildProcess>>;
  if (options.argv.empty()) return Result::failure("empty command");
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Result::failure(fmt::format("pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group: the terminal's SIGINT goes to loadgen only, which then stops the
  // target with SIGTERM after writing its report.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  auto argv_strings = options.argv;
  auto env_strings = merged_environment(options.env);
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->spawned_at_ = Clock::now();
  const int rc = posix_spawnp(&child->pid_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Result::failure(fmt::format("cannot start '{}': {}", options.argv[0], std::strerror(rc)));
  }
  child->open_streams_ = 2;
  auto* self = child.get();
  child->readers_.emplace_back([self, fd = out_pipe[0], path = options.stdout_path] { self->read_stream(fd, false, path); });
  child->readers_.emplace_back([self, fd = err_pipe[0], path = options.stderr_path] { self->read_stream(fd, true, path); });
  return child;
}

void ChildProcess::read_stream(int fd, bool is_stderr, const std::string& copy_path) {
  std::ofstream copy;
  if (!copy_path.empty()) copy.open(copy_path, std::ios::binary | std::ios::trunc);
  std::string pending;
  char buf[8192];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const auto now = Clock::now();
    if (copy) copy.write(buf, n).flush();
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    std::lock_guard lock(mutex_);
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      pending.erase(0, nl + 1);
      if (is_stderr) {
        stderr_tail_.push_back(line);
        if (stderr_tail_.size() > kStderrTail) stderr_tail_.pop_front();
      }
      if (lines_.size() < kMaxKeptLines) lines_.push_back({now, is_stderr, std::move(line)});
    }
    line_arrived_.notify_all();
  }
  close(fd);
  std::lock_guard lock(mutex_);
  if (!pending.empty()) {
    if (is_stderr) stderr_tail_.push_back(pending);
    if (lines_.size() < kMaxKeptLines) lines_.push_back({Clock::now(), is_stderr, pending});
  }
  --open_streams_;
  line_arrived_.notify_all();
}

std::optional<OutputLine> ChildProcess::wait_for_line(const std::function<bool(const OutputLine&)>& match,
                                                      Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  size_t checked = 0;
  for (;;) {
    for (; checked < lines_.size(); ++checked) {
      if (match(lines_[checked])) return lines_[checked];
    }
    if (open_streams_ == 0) return std::nullopt;
    if (line_arrived_.wait_until(lock, deadline) == std::cv_status::timeout && checked == lines_.size()) {
      return std::nullopt;
    }
  }
}

std::vector<std::string> ChildProcess::stderr_tail(size_t n) const {
  std::lock_guard lock(mutex_);
  const size_t skip = stderr_tail_.size() > n ? stderr_tail_.size() - n : 0;
  return {stderr_tail_.begin() + static_cast<long>(skip), stderr_tail_.end()};
}

void ChildProcess::reap(int status) { wait_status_ = status; }

bool ChildProcess::running() {
  if (wait_status_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reap(status);
    return false;
  }
  return r == 0;
}

std::optional<int> ChildProcess::exit_code() {
  if (running() || !wait_status_) return std::nullopt;
  return WIFEXITED(*wait_status_) ? std::optional<int>(WEXITSTATUS(*wait_status_)) : std::nullopt;
}

std::string ChildProcess::exit_description() {
  if (running() || !wait_status_) return "";
  if (WIFEXITED(*wait_status_)) return fmt::format("exited with status {}", WEXITSTATUS(*wait_status_));
  if (WIFSIGNALED(*wait_status_)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(*wait_status_), strsignal(WTERMSIG(*wait_status_)));
  }
  return "ended";
}

std::string ChildProcess::stop(std::chrono::nanoseconds grace) {
  if (running()) {
    kill(-pid_, SIGTERM);  // the group, so helpers it started also hear it
    const auto deadline = Clock::now() + grace;
    while (running() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (running()) {
      kill(-pid_, SIGKILL);  // the whole group: helpers it started must not linger
      int status = 0;
      if (waitpid(pid_, &status, 0) == pid_) reap(status);
    }
  }
  for (auto& t : readers_) {
    if (t.joinable()) t.join();
  }
  readers_.clear();
  return exit_description();
}

ChildProcess::~ChildProcess() { stop(std::chrono::seconds(2)); }

}  // namespace loadgen::probes
