#include "probes/target_launcher.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "probes/http_probe.hpp"

namespace loadgen::probes {
namespace {

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

std::string failure_text(ChildProcess& child, const std::string& what) {
  std::string text = what;
  const auto status = child.exit_description();
  if (!status.empty()) text += fmt::format(" (the target {})", status);
  const auto tail = child.stderr_tail(10);
  if (!tail.empty()) {
    text += "\n  last lines of its stderr:";
    for (const auto& line : tail) text += "\n    " + line;
  }
  return text;
}

}  // namespace

std::string substitute_port(std::string text, int port) {
  return replace_all(std::move(text), "${port}", std::to_string(port));
}

std::optional<int> pick_free_port(const std::string& host) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::optional<int> port;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

core::Expected<LaunchedTarget> launch_target(const LaunchOptions& options) {
  using Result = core::Expected<LaunchedTarget>;
  const auto deadline = Clock::now() + options.timeout;
  LaunchedTarget target;
  std::optional<int> port = options.port;
  const bool argv_uses_port = std::any_of(options.argv.begin(), options.argv.end(),
                                          [](const auto& a) { return a.find("${port}") != std::string::npos; });
  if (!port && argv_uses_port) port = pick_free_port(options.host);
  for (const auto& a : options.argv) target.argv.push_back(port ? replace_all(a, "${port}", std::to_string(*port)) : a);

  auto env = options.env;
  if (port) {
    for (auto& [k, v] : env) v = replace_all(v, "${port}", std::to_string(*port));
  }
  auto child = ChildProcess::spawn({target.argv, env, options.stdout_path, options.stderr_path});
  if (!child) return Result::failure(child.error());
  target.process = std::move(child).value();
  auto& process = *target.process;

  if (!port) {
    auto line = process.wait_for_line([](const OutputLine& l) { return parse_listening_port(l.text).has_value(); },
                                      deadline);
    if (!line) {
      return Result::failure(failure_text(
          process, fmt::format("the target printed no 'listening on HOST:PORT' line within {}s",
                               std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count())));
    }
    port = parse_listening_port(line->text);
    target.listening_after = line->at - process.spawned_at();
  }
  target.port = *port;

  // Poll readiness tightly at first (start-up is often fast), backing off to 20 ms.
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (!process.running()) return Result::failure(failure_text(process, "the target exited before it was ready"));
    const int status = http_get_status(options.host, *port, options.ready_path, std::chrono::milliseconds(500));
    if (status >= 200 && status < 300) break;
    if (Clock::now() >= deadline) {
      return Result::failure(failure_text(
          process, fmt::format("GET {} on port {} did not answer 2xx within the start timeout (last: {})",
                               options.ready_path, *port, status == 0 ? "no response" : std::to_string(status))));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  target.ready_after = Clock::now() - process.spawned_at();
  return target;
}

}  // namespace loadgen::probes
