// A target with known, configurable start-up phases, memory and CPU, for the tests of the
// startup and resource probes. Every phase is timed from the start of main() and reported
// with the target's own CLOCK_MONOTONIC time (the clock behind loadgen's steady_clock), so a
// test can compare what the probe detected with when it really happened:
//   loadgen-phase listening 123456789012      (right after listen() returned)
//   loadgen-phase ready 123456789345          (/up answers 200 from here on)
//   loadgen-phase full 123456789678           (/up/full answers 200 from here on)
//   loadgen-phase log 123456789901            (written together with the --log text)
//
//   probe_target [--port N] [--listen-after D] [--ready-after D] [--full-after D]
//                [--log-after D] [--log TEXT] [--allocate BYTES] [--allocate-after D]
//                [--burn DUTY] [--hot] [--leak BYTES/s] [--threads N] [--fds N] [--report-cpu D]
//                [--exit-after D] [--exit-code N] [--exit-signal N] [--stderr TEXT]...
// Without --listen-after it listens at once. It prints "listening on 127.0.0.1:PORT". HTTP:
// GET /up and /up/full (503 until their phase, then 200), /health (200); anything else 404.
// --burn 0.5 keeps one thread busy half of each 10 ms period (it catches up when the machine
// held it back, so its CPU time tracks the duty cycle); --leak 2MB/s touches that much new
// memory every second. --stderr lines are written just before --exit-after ends it.
// --hot keeps one thread busy in loadgen_hot_spin(), the profiler test's known hot function
// (built with frame pointers, so perf's fp call graphs walk through it).
// --report-cpu 50ms prints "loadgen-cpu PROCESS_CPU_NS MONOTONIC_NS" that often: the truth a
// CPU sampler is checked against when a busy machine does not grant the whole duty cycle.
//
// Built without sanitizers (see CMakeLists.txt): its RSS and CPU are what the tests measure.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/core/units.hpp"

// Unmangled and never inlined, so a profile names it as it is written here.
extern "C" [[gnu::noinline]] uint64_t loadgen_hot_spin(uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 2'000'000; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
  asm volatile("" : : "r"(x));  // the result is used: the loop is not optimised away
  return x;
}

namespace {

using Nanos = std::chrono::nanoseconds;

struct Options {
  int port = 0;
  Nanos listen_after{0};
  std::optional<Nanos> ready_after, full_after, log_after, allocate_after, exit_after;
  std::string log_text = "migrations done";
  double allocate_bytes = 0;
  double burn = 0;             // fraction of one core
  bool hot = false;            // a thread spinning in loadgen_hot_spin()
  double leak_per_second = 0;  // bytes
  std::optional<Nanos> report_cpu;
  int threads = 0;
  int fds = 0;
  int exit_code = 0;
  int exit_signal = 0;
  std::vector<std::string> stderr_lines;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "probe_target: %s\n", problem.c_str());
  std::exit(64);
}

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t process_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// One write per message: a line and its timestamp reach the reader together, unbuffered.
void emit(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    done += static_cast<size_t>(n);
  }
}

void emit_phase(const std::string& name, const std::string& before = "") {
  emit(STDOUT_FILENO,
       before + "loadgen-phase " + name + " " + std::to_string(monotonic_ns()) + "\n");
}

Nanos duration_arg(const char* text) {
  auto d = loadgen::core::parse_duration(text);
  if (!d)
    usage(d.error());
  return *d;
}

double bytes_arg(const char* text) {
  auto b = loadgen::core::parse_bytes(text);
  if (!b)
    usage(b.error());
  return *b;
}

// "2MB/s", "100KiB/ms": bytes per second.
double byte_rate_arg(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos)
    usage("--leak takes a size per time, e.g. 2MB/s");
  const double bytes = bytes_arg(text.substr(0, slash).c_str());
  const auto per = duration_arg(("1" + text.substr(slash + 1)).c_str());
  return bytes / std::chrono::duration<double>(per).count();
}

int int_arg(const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 0 || v > 1'000'000)
    usage(std::string("bad number ") + text);
  return static_cast<int>(v);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--hot") {  // the one flag without a value
      o.hot = true;
      continue;
    }
    if (i + 1 >= argc)
      usage("missing value after " + std::string(flag));
    const char* v = argv[++i];
    if (flag == "--port")
      o.port = int_arg(v);
    else if (flag == "--listen-after")
      o.listen_after = duration_arg(v);
    else if (flag == "--ready-after")
      o.ready_after = duration_arg(v);
    else if (flag == "--full-after")
      o.full_after = duration_arg(v);
    else if (flag == "--log-after")
      o.log_after = duration_arg(v);
    else if (flag == "--log")
      o.log_text = v;
    else if (flag == "--allocate")
      o.allocate_bytes = bytes_arg(v);
    else if (flag == "--allocate-after")
      o.allocate_after = duration_arg(v);
    else if (flag == "--burn")
      o.burn = std::clamp(std::strtod(v, nullptr), 0.0, 1.0);
    else if (flag == "--leak")
      o.leak_per_second = byte_rate_arg(v);
    else if (flag == "--threads")
      o.threads = int_arg(v);
    else if (flag == "--report-cpu")
      o.report_cpu = duration_arg(v);
    else if (flag == "--fds")
      o.fds = int_arg(v);
    else if (flag == "--exit-after")
      o.exit_after = duration_arg(v);
    else if (flag == "--exit-code")
      o.exit_code = int_arg(v);
    else if (flag == "--exit-signal")
      o.exit_signal = int_arg(v);
    else if (flag == "--stderr")
      o.stderr_lines.emplace_back(v);
    else
      usage("unknown flag " + std::string(flag));
  }
  return o;
}

// Memory that stays resident: every page is written, and the blocks are never freed.
std::vector<std::unique_ptr<char[]>> g_kept;

void allocate_touched(size_t bytes) {
  if (bytes == 0)
    return;
  auto block = std::make_unique<char[]>(bytes);
  std::memset(block.get(), 0x5a, bytes);
  g_kept.push_back(std::move(block));
}

// Spins in user space for about `d` of wall time (the clock read is vDSO, not a system call).
void spin_for(std::chrono::microseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  volatile uint64_t sink = 0;
  while (std::chrono::steady_clock::now() < until)
    sink = sink + 1;
}

// Busy for `duty` of each 10 ms period by this thread's own CPU clock, so that time the
// scheduler took away is made up in the next periods. The CPU clock is a system call, so it
// is read between short user-space spins, keeping the burn user time.
[[noreturn]] void burn(double duty) {
  constexpr auto kPeriod = std::chrono::milliseconds(10);
  constexpr auto kSpin = std::chrono::microseconds(200);
  const int64_t wall_start = monotonic_ns();
  const int64_t cpu_start = thread_cpu_ns();
  for (auto next = std::chrono::steady_clock::now();;) {
    next += kPeriod;
    const auto owed = static_cast<int64_t>(duty * static_cast<double>(monotonic_ns() - wall_start));
    while (thread_cpu_ns() - cpu_start < owed && std::chrono::steady_clock::now() < next) {
      spin_for(kSpin);
    }
    std::this_thread::sleep_until(next);
  }
}

std::vector<std::unique_ptr<char[]>> g_leaked;

[[noreturn]] void leak(double per_second) {
  const auto start = std::chrono::steady_clock::now();
  double leaked = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const double due =
        per_second *
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto bytes = static_cast<size_t>(due - leaked);
    auto block = std::make_unique<char[]>(bytes + 1);
    std::memset(block.get(), 0x6b, bytes + 1);
    g_leaked.push_back(std::move(block));
    leaked += static_cast<double>(bytes);
  }
}

[[noreturn]] void report_cpu(Nanos every) {
  for (;;) {
    emit(STDOUT_FILENO, "loadgen-cpu " + std::to_string(process_cpu_ns()) + " " +
                            std::to_string(monotonic_ns()) + "\n");
    std::this_thread::sleep_for(every);
  }
}

int listen_on(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0) {
    std::fprintf(stderr, "probe_target: cannot listen on port %d: %s\n", port,
                 std::strerror(errno));
    std::exit(2);
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

struct State {
  bool ready = false;
  bool full = false;
};

std::string response(int status, std::string_view body) {
  const char* reason = status == 200 ? "OK" : status == 503 ? "Service Unavailable" : "Not Found";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         std::string(body);
}

// Reads one request head (briefly: a client that sends nothing is dropped) and answers it.
void serve_one(int listener, const State& state) {
  const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  std::string head;
  char buf[2048];
  pollfd p{fd, POLLIN, 0};
  while (head.find("\r\n\r\n") == std::string::npos && poll(&p, 1, 200) > 0) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
      break;
    head.append(buf, static_cast<size_t>(n));
  }
  const auto first_space = head.find(' ');
  const auto second_space = head.find(' ', first_space + 1);
  const std::string path = first_space == std::string::npos || second_space == std::string::npos
                               ? ""
                               : head.substr(first_space + 1, second_space - first_space - 1);
  if (path == "/up")
    emit(fd, state.ready ? response(200, "ready") : response(503, "starting"));
  else if (path == "/up/full")
    emit(fd, state.full ? response(200, "full") : response(503, "starting"));
  else if (path == "/health")
    emit(fd, response(200, "alive"));
  else if (!head.empty())
    emit(fd, response(404, "no such path"));
  close(fd);
}

struct Event {
  Nanos at;
  enum Kind { kListen, kReady, kFull, kLog, kAllocate, kExit } kind;
};

std::vector<Event> schedule(const Options& o) {
  std::vector<Event> events{{o.listen_after, Event::kListen}};
  // A phase that needs the socket cannot come before it.
  if (o.ready_after)
    events.push_back({std::max(*o.ready_after, o.listen_after), Event::kReady});
  if (o.full_after)
    events.push_back({std::max(*o.full_after, o.listen_after), Event::kFull});
  if (o.log_after)
    events.push_back({*o.log_after, Event::kLog});
  if (o.allocate_bytes > 0)
    events.push_back({o.allocate_after.value_or(Nanos{0}), Event::kAllocate});
  if (o.exit_after)
    events.push_back({*o.exit_after, Event::kExit});
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  return events;
}

[[noreturn]] void finish(const Options& o) {
  for (const auto& line : o.stderr_lines)
    emit(STDERR_FILENO, line + "\n");
  if (o.exit_signal > 0) {
    std::signal(o.exit_signal, SIG_DFL);
    std::raise(o.exit_signal);
  }
  std::_Exit(o.exit_code);
}

void run_event(const Event& e, const Options& o, State& state, int& listener) {
  switch (e.kind) {
    case Event::kListen:
      listener = listen_on(o.port);
      emit_phase("listening");
      emit(STDOUT_FILENO, "listening on 127.0.0.1:" + std::to_string(bound_port(listener)) + "\n");
      break;
    case Event::kReady:
      state.ready = true;
      emit_phase("ready");
      break;
    case Event::kFull:
      state.full = true;
      emit_phase("full");
      break;
    case Event::kLog:
      emit_phase("log", o.log_text + "\n");
      break;
    case Event::kAllocate:
      allocate_touched(static_cast<size_t>(o.allocate_bytes));
      emit(STDOUT_FILENO,
           "allocated " + std::to_string(static_cast<int64_t>(o.allocate_bytes)) + "\n");
      break;
    case Event::kExit:
      finish(o);
  }
}

// Sleeps until the next event, answering requests meanwhile; ns-precise via ppoll.
void wait_until(std::chrono::steady_clock::time_point when, int listener, const State& state) {
  for (;;) {
    const auto left = when - std::chrono::steady_clock::now();
    if (left <= Nanos{0})
      return;
    const auto ns = std::chrono::duration_cast<Nanos>(left).count();
    const timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                           static_cast<long>(ns % 1'000'000'000)};
    pollfd p{listener, POLLIN, 0};
    if (ppoll(&p, listener >= 0 ? 1 : 0, &timeout, nullptr) > 0)
      serve_one(listener, state);
  }
}

void start_helpers(const Options& o) {
  for (int i = 0; i < o.threads; ++i) {
    std::thread([] {
      for (;;)
        std::this_thread::sleep_for(std::chrono::hours(1));
    }).detach();
  }
  for (int i = 0; i < o.fds; ++i) {
    if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0)
      usage("cannot open /dev/null");
  }
  if (o.burn > 0)
    std::thread(burn, o.burn).detach();
  if (o.hot)
    std::thread([] {
      for (uint64_t seed = 1;; ++seed) loadgen_hot_spin(seed);
    }).detach();
  if (o.leak_per_second > 0)
    std::thread(leak, o.leak_per_second).detach();
  if (o.report_cpu)
    std::thread(report_cpu, *o.report_cpu).detach();
}

}  // namespace

int main(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  const Options options = parse_args(argc, argv);
  start_helpers(options);
  State state;
  int listener = -1;
  for (const auto& event : schedule(options)) {
    wait_until(start + event.at, listener, state);
    run_event(event, options, state, listener);
  }
  wait_until(std::chrono::steady_clock::time_point::max(), listener, state);
}
