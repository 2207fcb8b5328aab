// The real loadgen binary against the real test server on 127.0.0.1: rate accuracy,
// coordinated-omission correction, counting invariants, closed model, HTTPS.
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

std::string scenario(const std::string& base_url, const std::string& load, const std::string& requests,
                     const std::string& slo = "") {
  return fmt::format("name: it\ntarget:\n  base_url: {}\nload:\n{}\nrequests:\n{}\n{}", base_url, load, requests,
                     slo.empty() ? "" : "slo:\n" + slo);
}

void expect_invariants(const json& r) {
  const auto& q = r["requests"];
  EXPECT_EQ(q["scheduled"].get<uint64_t>(), q["sent"].get<uint64_t>() + q["dropped"].get<uint64_t>());
  EXPECT_EQ(q["sent"].get<uint64_t>(), q["completed"].get<uint64_t>() + q["errors"].get<uint64_t>());
}

TEST(EngineRun, HoldsTheArrivalRateAndCountsEveryRequest) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "1"});
  ScratchDir dir("rate");
  const auto file = dir.write("s.yaml", scenario(server->base_url(), "  rate: 1000\n  duration: 3s\n",
                                                 "  - { name: ok, get: /ok }\n",
                                                 "  - http.error_rate < 1%\n  - http.dropped == 0\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  expect_invariants(r);
  const auto scheduled = r["requests"]["scheduled"].get<double>();
  EXPECT_NEAR(scheduled, 3000, 30);  // the whole plan, within 1%
  const double target = r["throughput"]["target_rps"].get<double>();
  const double achieved = r["throughput"]["achieved_rps"].get<double>();
  EXPECT_NEAR(achieved, target, target * 0.02) << "achieved rate";
  EXPECT_EQ(r["requests"]["errors"].get<uint64_t>(), 0u);
  EXPECT_EQ(r["verdict"], "pass");
  EXPECT_GT(r["timeline"].size(), 2u);
  EXPECT_GT(r["send_lag_ms"]["count"].get<int64_t>(), 2900);
  // The run ends with the plan once the last response is in: idle keep-alive connections
  // (and their timers) must not hold it open.
  EXPECT_LT(r["duration_s"].get<double>(), 4.5);
}

// The server pauses 200 ms of every second. With a fixed set of connections, requests due
// during a pause wait; from the intended start that wait is latency, from the send it is not.
// 20% of intended starts fall in a pause, uniformly, so the corrected distribution has
// P(L > x) = 0.2 * (200 - x) / 200: p90 = 100 ms, p95 = 150 ms, p99 = 190 ms, plus the time
// the backlog takes to drain after each pause (a few ms idle, tens of ms on a loaded machine).
TEST(EngineRun, CorrectedLatencyShowsServerStallsWhileServiceTimeDoesNot) {
  auto server = RunningServer::start(
      {test_server_binary(), "--port", "0", "--stall-every", "1000", "--stall-for", "200"});
  ScratchDir dir("stall");
  const auto file = dir.write(
      "s.yaml", scenario(server->base_url(), "  rate: 400\n  duration: 5s\n  connections: 16\n  max_in_flight: 2000\n",
                         "  - { name: ok, get: /ok }\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  expect_invariants(r);
  EXPECT_EQ(r["requests"]["dropped"].get<uint64_t>(), 0u);
  const double p90 = r["latency_ms"]["p90"].get<double>();
  const double p95 = r["latency_ms"]["p95"].get<double>();
  const double p99 = r["latency_ms"]["p99"].get<double>();
  EXPECT_GT(p90, 80) << "corrected p90 (model: 100 ms)";
  EXPECT_LT(p90, 180) << "corrected p90 (model: 100 ms)";
  EXPECT_GT(p95, p90 + 20) << "the tail rises as the stall model says (p95 model: 150 ms)";
  EXPECT_GT(p99, 175) << "corrected p99 (model: 190 ms)";
  EXPECT_LT(p99, 290) << "corrected p99 (model: 190 ms)";
  const double service_p90 = r["service_latency_ms"]["p90"].get<double>();
  EXPECT_LT(service_p90, 25) << "service time must not see the queueing behind the stall";
  EXPECT_GT(p90, 4 * service_p90);
  EXPECT_GT(r["send_lag_ms"]["p99"].get<double>(), 100) << "requests waited for a connection";
}

TEST(EngineRun, ClosedModelRunsTheDeclaredUsers) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0"});
  ScratchDir dir("vus");
  const auto file =
      dir.write("s.yaml", scenario(server->base_url(), "  model: vus\n  vus: 4\n  duration: 2s\n  think: 10ms\n",
                                   "  - { name: delayed, get: \"/delay?ms=5\" }\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  expect_invariants(r);
  // 4 users, each at most one request per 15 ms: at most ~530 in 2 s, and surely some.
  const auto sent = r["requests"]["sent"].get<double>();
  EXPECT_GT(sent, 100);
  EXPECT_LT(sent, 4 * 2000 / 15 + 20);
  EXPECT_GE(r["latency_ms"]["p50"].get<double>(), 5.0);
  bool saw_four_users = false;
  for (const auto& p : r["timeline"]) saw_four_users = saw_four_users || p["users"].get<int>() == 4;
  EXPECT_TRUE(saw_four_users);
}

TEST(EngineRun, RampsFollowThePlan) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0"});
  ScratchDir dir("ramp");
  const auto file = dir.write(
      "s.yaml", scenario(server->base_url(),
                         "  stages:\n    - { to: 400, over: 2s, name: up }\n    - { to: 0, over: 2s, name: down }\n",
                         "  - { get: /ok }\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  EXPECT_NEAR(r["requests"]["scheduled"].get<double>(), 800, 8);
  ASSERT_GE(r["timeline"].size(), 4u);
  EXPECT_EQ(r["timeline"][0]["stage"], "up");
  EXPECT_EQ(r["timeline"][3]["stage"], "down");
  // Second 2 (100 -> 300/s planned... mean 300) carries more than second 1 (mean 100).
  EXPECT_GT(r["timeline"][1]["rps"].get<double>(), r["timeline"][0]["rps"].get<double>());
}

TEST(EngineRun, SpeaksHttps) {
  ScratchDir dir("tls");
  const auto cert = dir.file("cert.pem");
  const auto key = dir.file("key.pem");
  const auto made = run_command({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                                 cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
                                std::chrono::seconds(60));
  ASSERT_EQ(made.exit_code, 0) << made.stderr_text;
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--tls", cert, key});
  const auto file = dir.write(
      // Verified (the default), against the certificate itself as the one trusted authority.
      "s.yaml", scenario("https://127.0.0.1:" + std::to_string(server->port()) + "\n  tls: { ca_file: \"" + cert + "\" }",
                         "  rate: 100\n  duration: 1s\n",
                         "  - { name: secure, get: /json, check: { json: { /status: done } } }\n"
                         // RFC 6066: a literal IP address is never sent as the server name.
                         "  - { name: sni, get: /sni, check: { body_contains: none } }\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  EXPECT_EQ(r["requests"]["errors"].get<uint64_t>(), 0u);
  EXPECT_NEAR(r["requests"]["completed"].get<double>(), 100, 2);
  EXPECT_GT(r["by_name"]["sni"]["requests"]["completed"].get<uint64_t>(), 0u);
}

TEST(EngineRun, KeepAliveCloseAndChunkedBodiesAreHandled) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0"});
  ScratchDir dir("framing");
  const auto file = dir.write(
      "s.yaml", scenario(server->base_url(), "  rate: 200\n  duration: 1s\n",
                         "  - { name: close, get: /close, check: { body_contains: ok } }\n"
                         "  - { name: chunked, get: /chunked, check: { body_contains: ok } }\n"
                         "  - { name: big, get: \"/big?bytes=200000\" }\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  EXPECT_EQ(r["requests"]["errors"].get<uint64_t>(), 0u) << r["requests"].dump();
  EXPECT_GT(r["requests"]["bytes_received"].get<uint64_t>(), 50u * 200000u);
}

}  // namespace
}  // namespace loadgen::testing
