#include <thread>
#include <signal.h>
#include "tests/integration/loadgen_fixture.hpp"

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace loadgen::testing {

std::string loadgen_binary() { return LOADGEN_BINARY; }
std::string test_server_binary() { return TEST_SERVER_BINARY; }
#ifdef PROBE_TARGET_BINARY  // only the executables that run the probe target define it
std::string probe_target_binary() { return PROBE_TARGET_BINARY; }
#endif

ScratchDir::ScratchDir(const std::string& name) {
  std::random_device rd;
  path_ = std::filesystem::path(LOADGEN_SCRATCH_DIR) / (name + "-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::read(const std::string& name) const {
  std::ifstream in(path_ / name, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string ScratchDir::write(const std::string& name, const std::string& content) const {
  const auto p = file(name);
  std::ofstream(p) << content;
  return p;
}

std::unique_ptr<RunningServer> RunningServer::start(std::vector<std::string> argv) {
  auto child = probes::ChildProcess::spawn({std::move(argv), {}, "", ""});
  if (!child) throw std::runtime_error(child.error());
  auto server = std::make_unique<RunningServer>();
  server->process_ = std::move(child).value();
  auto line = server->process_->wait_for_line(
      [](const probes::OutputLine& l) { return probes::parse_listening_port(l.text).has_value(); },
      probes::Clock::now() + std::chrono::seconds(30));
  if (!line) throw std::runtime_error("server printed no 'listening on' line");
  server->port_ = *probes::parse_listening_port(line->text);
  return server;
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  ScratchDir scratch("cmd");
  const auto out = scratch.file("stdout");
  const auto err = scratch.file("stderr");
  auto child = probes::ChildProcess::spawn({argv, {}, out, err});
  if (!child) throw std::runtime_error(child.error());
  const auto deadline = probes::Clock::now() + timeout;
  while ((*child)->running() && probes::Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*child)->stop(std::chrono::seconds(2));
  CommandResult r;
  r.exit_code = (*child)->exit_code().value_or(-1);
  std::stringstream so, se;
  so << std::ifstream(out).rdbuf();
  se << std::ifstream(err).rdbuf();
  r.stdout_text = so.str();
  r.stderr_text = se.str();
  return r;
}

Interrupted interrupt_loadgen(const std::vector<std::string>& args, std::chrono::milliseconds after) {
  std::vector<std::string> argv{loadgen_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = probes::ChildProcess::spawn({argv, {}, "", ""});
  if (!child) return {};
  std::this_thread::sleep_for(after);
  kill((*child)->pid(), SIGINT);
  const auto signalled = probes::Clock::now();
  while ((*child)->running() && probes::Clock::now() - signalled < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return {(*child)->exit_code(), probes::Clock::now() - signalled};
}

CommandResult run_loadgen(const std::vector<std::string>& args, std::chrono::seconds timeout) {
  std::vector<std::string> argv{loadgen_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, timeout);
}

namespace {

// The accounting every run must balance, whatever went wrong in it: each due request was
// sent, dropped, or (aborted while it waited for a connection) not sent; each sent one ended,
// completed or counted as an error of one kind.
void expect_accounting(const nlohmann::json& figures, const std::string& what) {
  const auto n = [&](const char* key) { return figures.value(key, uint64_t{0}); };
  EXPECT_EQ(n("scheduled"), n("sent") + n("dropped") + n("not_sent"))
      << what << ": scheduled != sent + dropped + not_sent: " << figures;
  EXPECT_EQ(n("sent"), n("completed") + n("errors")) << what << ": sent != completed + errors: " << figures;
  uint64_t by_kind = 0;
  const auto kinds = figures.value("errors_by_kind", nlohmann::json::object());
  for (const auto& [kind, count] : kinds.items()) by_kind += count.get<uint64_t>();
  EXPECT_EQ(n("errors"), by_kind) << what << ": errors != the sum of errors_by_kind: " << figures;
}

}  // namespace

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  auto j = nlohmann::json::parse(in);
  // Every integration test that reads a run's result checks its accounting on the way. Over
  // the whole run only: measured_requests (after warm-up) starts with requests in flight, sent
  // before the boundary and finished after it, so its sent and completed need not balance.
  if (j.is_object() && j.contains("requests") && j.contains("by_name")) {
    expect_accounting(j["requests"], path + " requests");
    for (const auto& [name, n] : j["by_name"].items()) expect_accounting(n["requests"], path + " " + name);
  }
  return j;
}

}  // namespace loadgen::testing
