#include "probes/phase_detectors.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probes/http_probe.hpp"

namespace loadgen::probes {
namespace {

using std::chrono::milliseconds;

// A wait on the output is cut into slices so that a cancel is noticed promptly.
constexpr auto kLineWaitSlice = milliseconds(20);
// One HTTP attempt may take this long; a slow answer is retried, not waited for forever.
constexpr auto kHttpAttemptTimeout = milliseconds(2000);

class Pacer {
 public:
  explicit Pacer(PollPace pace) : pace_(pace), next_(pace.first) {}
  // Sleeps before the next attempt; false when the wait should end instead.
  bool pause(const DetectorContext& context) {
    const auto wake = std::min(Clock::now() + next_, context.deadline);
    std::this_thread::sleep_until(wake);
    next_ = std::min(next_ * 2, pace_.cap);
    return !context.cancelled() && Clock::now() < context.deadline;
  }

 private:
  PollPace pace_;
  std::chrono::nanoseconds next_;
};

milliseconds time_left(const DetectorContext& context, milliseconds most) {
  const auto left = std::chrono::duration_cast<milliseconds>(context.deadline - Clock::now());
  return std::clamp(left, milliseconds(1), most);
}

// Fills a socket address from a numeric host; false when the host is not one.
bool make_address(const std::string& host, int port, sockaddr_storage& storage, socklen_t& length) {
  storage = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

bool handshake_completed(int fd, milliseconds timeout) {
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
    return false;
  int error = 0;
  socklen_t length = sizeof error;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
}

}  // namespace

bool tcp_accepts(const std::string& host, int port, milliseconds timeout) {
  sockaddr_storage address;
  socklen_t length = 0;
  if (!make_address(host, port, address, length))
    return false;
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  // On loopback the handshake usually completes inside connect(); EINPROGRESS means the
  // listener's backlog is slow, which still counts as accepting once it completes.
  bool accepted = connect(fd, reinterpret_cast<sockaddr*>(&address), length) == 0;
  if (!accepted && errno == EINPROGRESS)
    accepted = handshake_completed(fd, timeout);
  close(fd);
  return accepted;
}

std::optional<Clock::time_point> detect_tcp(const std::string& host, int port,
                                            const DetectorContext& context) {
  Pacer pacer(context.pace);
  do {
    const auto attempt = Clock::now();
    if (tcp_accepts(host, port, time_left(context, milliseconds(100))))
      return attempt;
  } while (pacer.pause(context));
  return std::nullopt;
}

std::optional<Clock::time_point> detect_http(const std::string& host, int port,
                                             const std::string& path,
                                             const DetectorContext& context) {
  Pacer pacer(context.pace);
  do {
    const auto sent = Clock::now();
    const int status = http_get_status(host, port, path, time_left(context, kHttpAttemptTimeout));
    const auto answered = Clock::now();
    if (status >= 200 && status < 300)
      return answered - sent > context.pace.cap ? answered : sent;
  } while (pacer.pause(context));
  return std::nullopt;
}

namespace {

std::optional<OutputLine> wait_for_matching(ChildProcess& process,
                                            const std::function<bool(const OutputLine&)>& match,
                                            const DetectorContext& context) {
  // One cursor across the slices: each line is tried once, and none is dropped unread.
  auto cursor = process.cursor();
  while (!context.cancelled()) {
    const auto slice_end = std::min(Clock::now() + kLineWaitSlice, context.deadline);
    if (auto line = process.wait_for_line(cursor, match, slice_end))
      return line;
    // Back before its slice ended: both streams have closed, no such line will come.
    if (Clock::now() < slice_end || slice_end >= context.deadline)
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Clock::time_point> detect_log(ChildProcess& process, const std::regex& pattern,
                                            const DetectorContext& context) {
  auto line = wait_for_matching(
      process, [&pattern](const OutputLine& l) { return std::regex_search(l.text, pattern); },
      context);
  if (!line)
    return std::nullopt;
  return line->at;
}

std::optional<int> learn_port(ChildProcess& process, const DetectorContext& context) {
  auto line = wait_for_matching(
      process, [](const OutputLine& l) { return parse_listening_port(l.text).has_value(); },
      context);
  if (!line)
    return std::nullopt;
  return parse_listening_port(line->text);
}

std::optional<Clock::time_point> parse_phase_mark(std::string_view line, std::string_view name) {
  constexpr std::string_view kPrefix = "loadgen-phase ";
  if (!line.starts_with(kPrefix))
    return std::nullopt;
  line.remove_prefix(kPrefix.size());
  if (!line.starts_with(name) || line.size() <= name.size() || line[name.size()] != ' ') {
    return std::nullopt;
  }
  line.remove_prefix(name.size() + 1);
  int64_t ns = 0;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), ns);
  if (ec != std::errc{} || ptr == line.data() || ns <= 0)
    return std::nullopt;
  return Clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace loadgen::probes
