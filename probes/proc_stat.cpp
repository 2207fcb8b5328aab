#include "probes/proc_stat.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

namespace loadgen::probes {
namespace {

// Reads a small /proc file in one go; nothing when it cannot be opened (the process is gone).
std::optional<std::string> slurp(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

std::string_view next_word(std::string_view& s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  const auto end = s.find(' ');
  const auto word = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return word;
}

template <typename T>
std::optional<T> number(std::string_view word) {
  T value{};
  auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc{} || ptr != word.data() + word.size())
    return std::nullopt;
  return value;
}

// The number after "Key:" on its line of /proc/<pid>/status.
std::optional<int64_t> status_value(std::string_view text, std::string_view key) {
  size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    if (at == 0 || text[at - 1] == '\n')
      break;
    at += key.size();
  }
  if (at == std::string_view::npos)
    return std::nullopt;
  auto rest = text.substr(at + key.size());
  rest = rest.substr(0, rest.find('\n'));
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t'))
    rest.remove_prefix(1);
  return number<int64_t>(rest.substr(0, rest.find(' ')));
}

uint64_t ticks_to_ns(uint64_t ticks) {
  return ticks * (1'000'000'000ULL / static_cast<uint64_t>(clock_ticks_per_second()));
}

// The process's CPU time, summed over its threads (live and ended), in nanoseconds. Linux lets
// any process read another's CPU clock.
std::optional<uint64_t> cpu_clock_ns(pid_t pid) {
  clockid_t clock{};
  if (clock_getcpuclockid(pid, &clock) != 0)
    return std::nullopt;
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0)
    return std::nullopt;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

std::optional<StatFields> parse_proc_stat(std::string_view text) {
  // The command name is in parentheses and may itself contain ") ": the last ')' ends it.
  const auto close = text.rfind(')');
  if (close == std::string_view::npos)
    return std::nullopt;
  auto rest = text.substr(close + 1);
  StatFields fields;
  const auto state = next_word(rest);
  if (state.size() != 1)
    return std::nullopt;
  fields.state = state.front();
  // After the state: ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt, then
  // utime and stime (fields 14 and 15 of proc(5)).
  for (int skip = 0; skip < 10; ++skip)
    next_word(rest);
  auto user = number<uint64_t>(next_word(rest));
  auto system = number<uint64_t>(next_word(rest));
  auto children_user = number<uint64_t>(next_word(rest));
  auto children_system = number<uint64_t>(next_word(rest));
  if (!user || !system)
    return std::nullopt;
  fields.user_ticks = *user;
  fields.system_ticks = *system;
  fields.children_user_ticks = children_user.value_or(0);
  fields.children_system_ticks = children_system.value_or(0);
  return fields;
}

std::optional<StatusFields> parse_proc_status(std::string_view text) {
  const auto rss_kb = status_value(text, "VmRSS:");
  const auto threads = status_value(text, "Threads:");
  if (!rss_kb || !threads)
    return std::nullopt;
  return StatusFields{*rss_kb * 1024, static_cast<int>(*threads)};
}

int count_open_fds(pid_t pid) {
  DIR* dir = opendir(fmt::format("/proc/{}/fd", pid).c_str());
  if (dir == nullptr)
    return -1;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.')
      ++count;
  }
  closedir(dir);
  return count;
}

std::optional<ProcSnapshot> read_proc(pid_t pid) {
  const auto base = fmt::format("/proc/{}/", pid);
  const auto at = Clock::now();
  const auto stat_text = slurp(base + "stat");
  const auto status_text = slurp(base + "status");
  if (!stat_text || !status_text)
    return std::nullopt;
  const auto stat = parse_proc_stat(*stat_text);
  const auto status = parse_proc_status(*status_text);
  if (!stat || !status || stat->state == 'Z' || stat->state == 'X')
    return std::nullopt;
  ProcSnapshot snapshot;
  snapshot.at = at;
  snapshot.user_ticks = stat->user_ticks;
  snapshot.system_ticks = stat->system_ticks;
  snapshot.cpu_ns = cpu_clock_ns(pid).value_or(ticks_to_ns(stat->user_ticks + stat->system_ticks));
  snapshot.rss_bytes = status->rss_bytes;
  snapshot.threads = status->threads;
  snapshot.fds = count_open_fds(pid);
  return snapshot;
}

std::vector<pid_t> child_pids(pid_t pid) {
  std::vector<pid_t> children;
  DIR* tasks = opendir(fmt::format("/proc/{}/task", pid).c_str());
  if (tasks == nullptr)
    return children;
  while (const dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.')
      continue;
    const auto text = slurp(fmt::format("/proc/{}/task/{}/children", pid, task->d_name));
    if (!text)
      continue;
    std::string_view rest(*text);
    while (!rest.empty()) {
      const auto word = next_word(rest);
      if (auto child = number<pid_t>(word))
        children.push_back(*child);
      else if (word.empty())
        break;
    }
  }
  closedir(tasks);
  return children;
}

std::optional<ProcSnapshot> read_proc_tree(pid_t root) {
  auto total = read_proc(root);
  if (!total)
    return std::nullopt;
  const auto add_reaped = [](ProcSnapshot& into, pid_t pid) {
    // Descendants that ended and were waited for: their time is now their parent's.
    if (const auto text = slurp(fmt::format("/proc/{}/stat", pid))) {
      if (const auto stat = parse_proc_stat(*text)) {
        into.user_ticks += stat->children_user_ticks;
        into.system_ticks += stat->children_system_ticks;
        into.cpu_ns += ticks_to_ns(stat->children_user_ticks + stat->children_system_ticks);
      }
    }
  };
  add_reaped(*total, root);
  // Breadth first, bounded: a fork bomb under test must not make the sampler its victim.
  constexpr size_t kMaxProcesses = 4096;
  std::vector<pid_t> queue = child_pids(root);
  for (size_t i = 0; i < queue.size() && total->processes < static_cast<int>(kMaxProcesses); ++i) {
    const pid_t pid = queue[i];
    const auto one = read_proc(pid);
    if (!one)
      continue;  // ended between the listing and the read
    total->user_ticks += one->user_ticks;
    total->system_ticks += one->system_ticks;
    total->cpu_ns += one->cpu_ns;
    total->rss_bytes += one->rss_bytes;
    total->threads += one->threads;
    if (one->fds >= 0 && total->fds >= 0)
      total->fds += one->fds;
    ++total->processes;
    add_reaped(*total, pid);
    const auto grandchildren = child_pids(pid);
    queue.insert(queue.end(), grandchildren.begin(), grandchildren.end());
  }
  return total;
}

long clock_ticks_per_second() {
  static const long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? ticks : 100;
}

int machine_cores() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

core::Expected<pid_t> read_pid_file(const std::string& path) {
  using Result = core::Expected<pid_t>;
  std::ifstream in(path);
  if (!in)
    return Result::failure(fmt::format("cannot read pid file {}: {}", path, std::strerror(errno)));
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
    line.pop_back();
  const auto pid = number<pid_t>(line);
  if (!pid || *pid <= 0) {
    return Result::failure(
        fmt::format("pid file {} does not hold a process id ('{}')", path, line));
  }
  if (kill(*pid, 0) != 0 && errno == ESRCH) {
    return Result::failure(
        fmt::format("pid file {} names process {}, which is not running", path, *pid));
  }
  return *pid;
}

}  // namespace loadgen::probes
