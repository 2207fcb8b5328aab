#include "probes/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
// What of a line is kept for matching and the stderr tail (the copy on disk has it all): a
// readiness line is short, and a target that prints a megabyte without a newline must not
// cost a megabyte per kept line.
constexpr size_t kMaxLineBytes = 64 * 1024;

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
  std::string pending;  // the line so far, capped at kMaxLineBytes
  bool any_pending = false;
  char buf[8192];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const auto now = Clock::now();
    if (copy) copy.write(buf, n).flush();
    // Each byte is looked at once: a long line costs its length, not its length squared.
    const std::string_view chunk(buf, static_cast<size_t>(n));
    std::unique_lock lock(mutex_);
    size_t from = 0;
    while (from < chunk.size()) {
      const auto nl = chunk.find('\n', from);
      const auto piece = chunk.substr(from, nl == std::string_view::npos ? std::string_view::npos : nl - from);
      if (pending.size() < kMaxLineBytes) pending.append(piece.substr(0, kMaxLineBytes - pending.size()));
      any_pending = true;
      if (nl == std::string_view::npos) break;
      if (!pending.empty() && pending.back() == '\r') pending.pop_back();
      add_line(lock, now, is_stderr, std::move(pending));
      pending.clear();
      any_pending = false;
      from = nl + 1;
    }
    line_arrived_.notify_all();
  }
  close(fd);
  std::unique_lock lock(mutex_);
  if (any_pending) add_line(lock, Clock::now(), is_stderr, std::move(pending));
  --open_streams_;
  line_arrived_.notify_all();
}

void ChildProcess::add_line(std::unique_lock<std::mutex>& lock, Clock::time_point at, bool is_stderr,
                            std::string text) {
  if (is_stderr) {
    stderr_tail_.push_back(text);
    if (stderr_tail_.size() > kStderrTail) stderr_tail_.pop_front();
  }
  // Past the bound the oldest line goes, unless an open cursor has yet to read it: then the
  // reader waits (and the target with it, on a full pipe) until that cursor moves on.
  while (lines_.size() >= kMaxKeptLines) {
    const bool unread = std::any_of(cursors_.begin(), cursors_.end(),
                                    [this](const auto& c) { return c.second <= first_line_; });
    if (!unread || stopping_) {
      lines_.pop_front();
      ++first_line_;
      continue;
    }
    line_arrived_.notify_all();
    line_read_.wait(lock);
  }
  lines_.push_back({at, is_stderr, std::move(text)});
}

ChildProcess::LineCursor ChildProcess::cursor() {
  std::lock_guard lock(mutex_);
  const int id = next_cursor_id_++;
  cursors_[id] = first_line_;
  return LineCursor(this, id);
}

ChildProcess::LineCursor::~LineCursor() {
  if (process_ == nullptr) return;
  {
    std::lock_guard lock(process_->mutex_);
    process_->cursors_.erase(id_);
  }
  process_->line_read_.notify_all();
}

std::optional<OutputLine> ChildProcess::wait_for_line(LineCursor& cursor,
                                                      const std::function<bool(const OutputLine&)>& match,
                                                      Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  auto& next = cursors_.at(cursor.id_);
  for (;;) {
    next = std::max(next, first_line_);
    std::optional<OutputLine> found;
    while (next < first_line_ + lines_.size()) {
      const auto& line = lines_[next - first_line_];
      ++next;
      if (match(line)) {
        found = line;
        break;
      }
    }
    line_read_.notify_all();
    if (found) return found;
    if (open_streams_ == 0) return std::nullopt;
    if (line_arrived_.wait_until(lock, deadline) == std::cv_status::timeout &&
        next == first_line_ + lines_.size()) {
      return std::nullopt;
    }
  }
}

std::optional<OutputLine> ChildProcess::wait_for_line(const std::function<bool(const OutputLine&)>& match,
                                                      Clock::time_point deadline) {
  auto from_start = cursor();
  return wait_for_line(from_start, match, deadline);
}

bool ChildProcess::wait_exited(Clock::time_point deadline) {
  while (running()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
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
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;  // a reader waiting for room must not hold up the join below
  }
  line_read_.notify_all();
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
