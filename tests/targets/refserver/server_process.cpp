#include "tests/targets/refserver/server_process.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace loadgen::refserver::testing {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void exec_child(const std::string& binary, const std::vector<std::string>& args,
                             int stdout_fd, const std::filesystem::path& stderr_path) {
  const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(stdout_fd, STDOUT_FILENO);
  if (err >= 0)
    ::dup2(err, STDERR_FILENO);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  ::_exit(127);
}

int decode_status(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ServerProcess::ServerProcess(const std::string& binary, const std::vector<std::string>& args,
                             std::filesystem::path stderr_path)
    : stderr_path_(std::move(stderr_path)) {
  int fds[2];
  if (::pipe(fds) != 0)
    throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::close(fds[0]);
    exec_child(binary, args, fds[1], stderr_path_);
  }
  ::close(fds[1]);
  stdout_fd_ = fds[0];
  ::fcntl(stdout_fd_, F_SETFL, ::fcntl(stdout_fd_, F_GETFL) | O_NONBLOCK);
}

ServerProcess::~ServerProcess() {
  if (!exit_status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (stdout_fd_ >= 0)
    ::close(stdout_fd_);
}

bool ServerProcess::read_more(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  if (left <= 0)
    return false;
  pollfd fd{stdout_fd_, POLLIN, 0};
  if (::poll(&fd, 1, static_cast<int>(left)) <= 0)
    return false;
  char buffer[4096];
  const auto n = ::read(stdout_fd_, buffer, sizeof buffer);
  if (n <= 0)
    return false;  // EOF: the process closed stdout
  pending_.append(buffer, static_cast<std::size_t>(n));
  for (auto nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n')) {
    lines_.push_back(pending_.substr(0, nl));
    pending_.erase(0, nl + 1);
  }
  return true;
}

std::optional<std::string> ServerProcess::wait_for_line(std::string_view needle,
                                                        milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    for (; consumed_ < lines_.size(); ++consumed_) {
      if (lines_[consumed_].find(needle) != std::string::npos)
        return lines_[consumed_++];
    }
    if (!read_more(deadline))
      return std::nullopt;
  }
}

std::uint16_t ServerProcess::wait_for_port(milliseconds timeout) {
  const auto line = wait_for_line("listening on 127.0.0.1:", timeout);
  if (!line)
    return 0;
  return static_cast<std::uint16_t>(std::stoi(line->substr(line->rfind(':') + 1)));
}

void ServerProcess::send_signal(int signal) {
  if (!exit_status_)
    ::kill(pid_, signal);
}

std::optional<int> ServerProcess::wait_for_exit(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!exit_status_) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_status_ = decode_status(status);
      break;
    }
    if (Clock::now() >= deadline)
      return std::nullopt;
    // Keep the pipe drained so the child never blocks writing its last lines.
    if (!read_more(std::min(deadline, Clock::now() + milliseconds(20)))) {
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  while (read_more(Clock::now() + milliseconds(50))) {
  }
  return exit_status_;
}

std::string ServerProcess::stderr_text() const {
  std::ifstream in(stderr_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Finished run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                     const std::filesystem::path& stderr_path, milliseconds timeout) {
  ServerProcess process(binary, args, stderr_path);
  Finished finished;
  finished.exit_code = process.wait_for_exit(timeout).value_or(-1);
  finished.stdout_lines = process.lines();
  finished.stderr_text = process.stderr_text();
  return finished;
}

}  // namespace loadgen::refserver::testing
