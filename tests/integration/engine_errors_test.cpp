// Every error kind provoked for real, and every exit code, through the real binary.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "probes/target_launcher.hpp"
#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

std::string one_request(const std::string& base_url, const std::string& request, const std::string& extra = "") {
  return fmt::format(
      "name: errors\ntarget:\n  base_url: {}\nload:\n  rate: 50\n  duration: 1s\nrequests:\n  - {}\n{}", base_url,
      request, extra);
}

json run_expecting(const ScratchDir& dir, const std::string& yaml, int exit_code) {
  const auto file = dir.write("s.yaml", yaml);
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  EXPECT_EQ(run.exit_code, exit_code) << run.stdout_text << run.stderr_text;
  return read_json(dir.file("out/result.json"));
}

uint64_t errors_of(const json& r, const std::string& kind) {
  const auto& by_kind = r["requests"]["errors_by_kind"];
  return by_kind.contains(kind) ? by_kind[kind].get<uint64_t>() : 0;
}

class EngineErrors : public ::testing::Test {
 protected:
  void SetUp() override { server_ = RunningServer::start({test_server_binary(), "--port", "0"}); }
  std::unique_ptr<RunningServer> server_;
  ScratchDir dir_{"errors"};
};

TEST_F(EngineErrors, BadStatus) {
  const auto r = run_expecting(dir_, one_request(server_->base_url(), "{ get: \"/status?code=503\" }"), 1);
  EXPECT_EQ(errors_of(r, "bad_status"), r["requests"]["sent"].get<uint64_t>());
}

TEST_F(EngineErrors, CheckFailed) {
  const auto r = run_expecting(
      dir_, one_request(server_->base_url(), "{ get: /json, check: { json: { /status: queued } } }"), 1);
  EXPECT_EQ(errors_of(r, "check_failed"), r["requests"]["sent"].get<uint64_t>());
}

TEST_F(EngineErrors, Reset) {
  const auto r = run_expecting(dir_, one_request(server_->base_url(), "{ get: /reset }"), 1);
  EXPECT_EQ(errors_of(r, "reset"), r["requests"]["sent"].get<uint64_t>());
}

TEST_F(EngineErrors, Protocol) {
  const auto r = run_expecting(dir_, one_request(server_->base_url(), "{ get: /garbage }"), 1);
  EXPECT_EQ(errors_of(r, "protocol"), r["requests"]["sent"].get<uint64_t>());
}

TEST_F(EngineErrors, Timeout) {
  const auto r = run_expecting(dir_, one_request(server_->base_url(), "{ get: /hang, timeout: 200ms }"), 1);
  EXPECT_EQ(errors_of(r, "timeout"), r["requests"]["sent"].get<uint64_t>());
  // Each was abandoned at its timeout, measured from its intended start: that is its latency.
  EXPECT_EQ(r["latency_ms"]["count"].get<uint64_t>(), r["measured_requests"]["sent"].get<uint64_t>());
  EXPECT_GE(r["latency_ms"]["min"].get<double>(), 199.0);  // 3 significant digits
  EXPECT_EQ(r["verdict"], "fail");
}

// One user alternates a request with a long timeout and one with a short timeout on the same
// keep-alive connection: the short one must still time out on time, not at the long one's.
TEST_F(EngineErrors, AShortTimeoutAfterALongOneOnTheSameConnection) {
  const auto yaml = fmt::format(R"(name: timeouts
target: {{ base_url: "{}" }}
load: {{ model: vus, vus: 1, duration: 2s }}
requests:
  - {{ name: fast, get: /ok, timeout: 30s }}
  - {{ name: hang, get: /hang, timeout: 150ms }}
)",
                                server_->base_url());
  const auto r = run_expecting(dir_, yaml, 0);
  const auto hang = r["by_name"]["hang"]["requests"];
  ASSERT_GT(hang["sent"].get<uint64_t>(), 2u);
  EXPECT_EQ(errors_of(r, "timeout"), hang["sent"].get<uint64_t>());
  // Each hang costs its 150ms timeout; had it waited for the 30s one, one or two would fit.
  EXPECT_GT(r["by_name"]["fast"]["requests"]["completed"].get<uint64_t>(), 2u);
  EXPECT_GE(hang["sent"].get<uint64_t>(), 4u);
}

TEST_F(EngineErrors, ConnectRefused) {
  const auto port = probes::pick_free_port("127.0.0.1");  // nothing listens there
  ASSERT_TRUE(port);
  const auto r = run_expecting(dir_, one_request(fmt::format("http://127.0.0.1:{}", *port), "{ get: /ok }"), 1);
  EXPECT_EQ(errors_of(r, "connect_refused"), r["requests"]["sent"].get<uint64_t>());
  EXPECT_FALSE(r["first_errors"]["connect_refused"].get<std::string>().empty());
}

// A listener whose accept queue is full and never drained: the kernel drops further SYNs,
// so connecting times out.
TEST_F(EngineErrors, ConnectTimeout) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 0), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(c);
  }
  const auto r = run_expecting(
      dir_, one_request(fmt::format("http://127.0.0.1:{}", ntohs(addr.sin_port)), "{ get: /ok, timeout: 300ms }"), 1);
  for (int c : fillers) close(c);
  close(listener);
  EXPECT_GT(errors_of(r, "connect_timeout"), 0u) << r["requests"].dump();
}

TEST_F(EngineErrors, FailedSloExitsOne) {
  const auto r = run_expecting(
      dir_, one_request(server_->base_url(), "{ get: \"/delay?ms=30\" }", "slo:\n  - http.p50 < 5ms\n"), 1);
  EXPECT_EQ(r["verdict"], "fail");
  ASSERT_EQ(r["slo"].size(), 1u);
  EXPECT_FALSE(r["slo"][0]["pass"].get<bool>());
  EXPECT_GE(r["slo"][0]["observed"].get<double>(), 30e6);
}

TEST_F(EngineErrors, BadScenarioExitsTwoWithItsLocation) {
  const auto file = dir_.write("bad.yaml", "name: bad\ntarget:\n  base_url: http://127.0.0.1:1\nload:\n  rate: 10\n"
                                           "  duration: 1s\n  max_inflight: 3\nrequests:\n  - { get: /ok }\n");
  const auto run = run_loadgen({"run", file});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("bad.yaml:7:3:"), std::string::npos) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("max_in_flight"), std::string::npos) << run.stderr_text;
}

TEST_F(EngineErrors, TargetThatDiesExitsThreeWithItsStderr) {
  const auto yaml =
      "name: dies\ntarget:\n  base_url: http://127.0.0.1:${port}\n  start:\n"
      "    command: [sh, -c, \"echo 'cannot open database' >&2; exit 4\"]\n    timeout: 5s\n"
      "load:\n  rate: 10\n  duration: 1s\nrequests:\n  - { get: /ok }\n";
  const auto file = dir_.write("dies.yaml", yaml);
  const auto run = run_loadgen({"run", file, "-o", dir_.file("out")});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_NE(run.stderr_text.find("cannot open database"), std::string::npos) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("exited with status 4"), std::string::npos) << run.stderr_text;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/result.json")));
}

TEST_F(EngineErrors, StartsAndStopsItsOwnTarget) {
  const auto yaml = fmt::format(
      "name: own\ntarget:\n  base_url: http://127.0.0.1:${{port}}\n  start:\n    command: [\"{}\", --port, \"0\"]\n"
      "    ready: /ok\nload:\n  rate: 100\n  duration: 1s\nrequests:\n  - {{ get: /ok }}\n",
      test_server_binary());
  const auto r = run_expecting(dir_, yaml, 0);
  EXPECT_TRUE(r["target"]["started_by_loadgen"].get<bool>());
  EXPECT_GT(r["target"]["ready_ms"].get<double>(), 0);
  EXPECT_EQ(r["requests"]["errors"].get<uint64_t>(), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/target.stdout.log")));
}

TEST_F(EngineErrors, InterruptStopsAtOnceAndStillWritesTheReport) {
  const auto file = dir_.write(
      "long.yaml", fmt::format("name: long\ntarget:\n  base_url: {}\nload:\n  rate: 200\n  duration: 60s\n"
                               "requests:\n  - {{ get: /ok }}\n",
                               server_->base_url()));
  const auto stopped = interrupt_loadgen({"run", file, "-o", dir_.file("out")}, std::chrono::milliseconds(1500));
  EXPECT_LT(stopped.took, std::chrono::seconds(3));
  EXPECT_EQ(stopped.exit_code, 130);
  const auto r = read_json(dir_.file("out/result.json"));
  EXPECT_TRUE(r["interrupted"].get<bool>());
  EXPECT_GT(r["requests"]["completed"].get<uint64_t>(), 100u);
}

// Ctrl-C while loadgen waits for its target to become ready is an interruption (130), not a
// target that failed to start (3).
TEST_F(EngineErrors, InterruptWhileWaitingForReadinessExits130) {
  const auto file = dir_.write(
      "slow.yaml",
      fmt::format("name: slow\ntarget:\n  base_url: http://127.0.0.1:${{port}}\n  start:\n"
                  "    command: [\"{}\", --port, \"${{port}}\", --ready-after, 30s]\n    ready: /up\n    timeout: 60s\n"
                  "load: {{ rate: 10, duration: 1s }}\nrequests:\n  - {{ get: /up }}\n",
                  probe_target_binary()));
  EXPECT_EQ(interrupt_loadgen({"run", file, "-o", dir_.file("out")}, std::chrono::milliseconds(800)).exit_code, 130);
  const auto r = read_json(dir_.file("out/result.json"));
  EXPECT_TRUE(r["interrupted"].get<bool>());
}

}  // namespace
}  // namespace loadgen::testing
