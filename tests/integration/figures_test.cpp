// "Figures that never lie": against servers that misbehave as real ones do, no false pass and
// no wrong count. Each test reproduces one way loadgen used to pass or miscount.
#include <filesystem>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "probes/target_launcher.hpp"
#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

class Figures : public ::testing::Test {
 protected:
  void SetUp() override { server_ = RunningServer::start({test_server_binary(), "--port", "0"}); }

  // Runs a scenario, checks the exit code, returns result.json.
  json run_expecting(const std::string& yaml, int exit_code, CommandResult* out = nullptr,
                     const std::string& threads = "2") {
    const auto file = dir_.write("s.yaml", yaml);
    const auto run = run_loadgen({"run", file, "-o", dir_.file("out"), "-t", threads});
    EXPECT_EQ(run.exit_code, exit_code) << run.stdout_text << run.stderr_text;
    if (out != nullptr) *out = run;
    return read_json(dir_.file("out/result.json"));
  }

  std::unique_ptr<RunningServer> server_;
  ScratchDir dir_{"figures"};
};

// 1 request in 20 hangs past a 300 ms timeout: those users waited 300 ms, and p99 and max must
// say so (they used to stay at a few milliseconds, and http.max < 250ms passed).
TEST_F(Figures, TimedOutRequestsAreLatenciesTheUsersFelt) {
  const auto r = run_expecting(fmt::format(R"(name: hangs
target: {{ base_url: "{}" }}
load: {{ rate: 100, duration: 2s }}
requests:
  - {{ name: ok, weight: 19, get: /ok }}
  - {{ name: hang, weight: 1, get: /hang, timeout: 300ms }}
slo:
  - http.max < 250ms
)",
                                           server_->base_url()),
                               1);
  const auto timeouts = r["requests"]["errors_by_kind"].value("timeout", 0);
  ASSERT_GT(timeouts, 0) << r["requests"];
  // 299: the histogram keeps 3 significant digits (a 0.26 ms bucket at 300 ms).
  EXPECT_GE(r["latency_ms"]["max"].get<double>(), 299.0);
  // Every request has its latency: the answered ones and the abandoned ones. Only another
  // transport failure (a reset on a machine this busy) has none.
  uint64_t without_latency = 0;
  for (const auto& [kind, n] : r["measured_requests"]["errors_by_kind"].items()) {
    if (kind != "timeout") without_latency += n.get<uint64_t>();
  }
  EXPECT_EQ(r["latency_ms"]["count"].get<uint64_t>(), r["measured_requests"]["sent"].get<uint64_t>() - without_latency)
      << r["measured_requests"];
  const auto& hang = r["by_name"]["hang"];
  EXPECT_GE(hang["latency_ms"]["min"].get<double>(), 299.0) << hang;
  EXPECT_LT(hang["latency_ms"]["min"].get<double>(), 1000.0) << hang;
  EXPECT_FALSE(r["slo"][0]["pass"].get<bool>());
}

// Nothing listens: every attempt is refused at once. That is no throughput at all.
TEST_F(Figures, RefusedConnectionsAreNotThroughput) {
  const auto port = probes::pick_free_port("127.0.0.1");
  ASSERT_TRUE(port);
  const auto r = run_expecting(fmt::format(R"(name: refused
target: {{ base_url: "http://127.0.0.1:{}" }}
load: {{ rate: 100, duration: 1s }}
requests:
  - {{ get: /ok }}
slo:
  - http.rps >= 90
)",
                                           *port),
                               1);
  EXPECT_EQ(r["throughput"]["achieved_rps"].get<double>(), 0.0) << r["throughput"];
  EXPECT_FALSE(r["slo"][0]["pass"].get<bool>());
  EXPECT_GT(r["requests"]["errors_by_kind"].value("connect_refused", 0), 0);
}

// 300/s held exactly, each answer taking 1 s: the load applied was 300/s, however long the
// last answers take to drain.
TEST_F(Figures, RatesArePerSecondOfTheTimeTheLoadWasApplied) {
  const auto r = run_expecting(fmt::format(R"(name: slow
target: {{ base_url: "{}" }}
load: {{ rate: 300, duration: 3s, max_in_flight: 2000 }}
requests:
  - {{ get: "/delay?ms=1000" }}
slo:
  - http.rps >= 290
)",
                                           server_->base_url()),
                               0);
  EXPECT_NEAR(r["throughput"]["achieved_rps"].get<double>(), 300.0, 6.0) << r["throughput"];
  EXPECT_NEAR(r["throughput"]["target_rps"].get<double>(), 300.0, 1.0) << r["throughput"];
  EXPECT_GE(r["duration_s"].get<double>(), 3.9);  // the drain ran, and is not in the rate
}

// result.json cannot be written (a directory stands in its place): the other reports are
// still written, the verdict is not PASS, and the exit code says a report failed.
TEST_F(Figures, AReportThatCannotBeWrittenFailsTheRun) {
  std::filesystem::create_directories(dir_.file("out/result.json"));
  const auto file = dir_.write("s.yaml", fmt::format(R"(name: unwritable
target: {{ base_url: "{}" }}
load: {{ rate: 20, duration: 1s }}
requests:
  - {{ get: /ok }}
slo:
  - http.error_rate < 1%
)",
                                                     server_->base_url()));
  const auto run = run_loadgen({"run", file, "-o", dir_.file("out")});
  EXPECT_EQ(run.exit_code, 4) << run.stdout_text << run.stderr_text;
  EXPECT_EQ(run.stdout_text.find("verdict: PASS"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("report not written"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stderr_text.find("result.json"), std::string::npos) << run.stderr_text;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/junit.xml")));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/summary.md")));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/report.html")));
  EXPECT_TRUE(std::filesystem::exists(dir_.file("out/latency.hlog")));
}

// No SLOs declared: nothing was judged, and the verdict says so instead of PASS.
TEST_F(Figures, NoSlosDeclaredIsNotAPass) {
  CommandResult run;
  const auto r = run_expecting(fmt::format(R"(name: unjudged
target: {{ base_url: "{}" }}
load: {{ rate: 20, duration: 1s }}
requests:
  - {{ get: /ok }}
)",
                                           server_->base_url()),
                               0, &run);
  EXPECT_EQ(r["verdict"], "none");
  EXPECT_NE(run.stdout_text.find("verdict: NONE"), std::string::npos) << run.stdout_text;
  EXPECT_EQ(run.stdout_text.find("verdict: PASS"), std::string::npos) << run.stdout_text;
}

// No SLOs, and every request failed: a failure, whatever was declared.
TEST_F(Figures, EveryRequestFailingIsAFailureWithoutSlos) {
  CommandResult run;
  const auto r = run_expecting(fmt::format(R"(name: all-failed
target: {{ base_url: "{}" }}
load: {{ rate: 20, duration: 1s }}
requests:
  - {{ get: "/status?code=500" }}
)",
                                           server_->base_url()),
                               1, &run);
  EXPECT_EQ(r["verdict"], "fail");
  ASSERT_FALSE(r["verdict_reasons"].empty());
  EXPECT_NE(r["verdict_reasons"][0].get<std::string>().find("no request succeeded"), std::string::npos);
  EXPECT_NE(run.stdout_text.find("verdict: FAIL (no request succeeded"), std::string::npos) << run.stdout_text;
}

// A plan of exactly N requests sends N, every time, with one thread or several.
TEST_F(Figures, TheScheduleIsExact) {
  for (const auto& [load, threads, expected] : std::vector<std::tuple<std::string, std::string, uint64_t>>{
           {"{ rate: 1, duration: 1s }", "1", 1},
           {"{ rate: 1, duration: 1s }", "1", 1},
           {"{ rate: 50, duration: 2s }", "2", 100},
           {"{ stages: [ { to: 40, over: 1s }, { hold: 1s } ] }", "3", 60}}) {
    const auto file = dir_.write("s.yaml", fmt::format("name: exact\ntarget: {{ base_url: \"{}\" }}\nload: {}\n"
                                                       "requests:\n  - {{ get: /ok }}\n",
                                                       server_->base_url(), load));
    const auto run = run_loadgen({"run", file, "-o", dir_.file("out"), "-t", threads});
    ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
    const auto r = read_json(dir_.file("out/result.json"));
    EXPECT_EQ(r["requests"]["scheduled"].get<uint64_t>(), expected) << load << " threads " << threads;
    EXPECT_EQ(r["requests"]["sent"].get<uint64_t>(), expected) << load << " threads " << threads;
  }
}

// A stage at rate 0 sends nothing and lasts its time.
TEST_F(Figures, AZeroRateStageLastsItsTime) {
  const auto r = run_expecting(fmt::format(R"(name: quiet
target: {{ base_url: "{}" }}
load: {{ stages: [ {{ to: 10, over: 1s }}, {{ to: 0, over: 0s }}, {{ hold: 2s }} ] }}
requests:
  - {{ get: /ok }}
)",
                                           server_->base_url()),
                               0);
  EXPECT_EQ(r["requests"]["sent"].get<uint64_t>(), 5u);
  EXPECT_GE(r["duration_s"].get<double>(), 2.95);
  EXPECT_GE(r["timeline"].size(), 3u);
}

// Protocol corners a real server produces: a body ended by the close (HTTP/1.0, or
// Connection: close without Content-Length), and 1xx interim responses before the real one.
TEST_F(Figures, CloseDelimitedBodiesAndInterimResponses) {
  const auto r = run_expecting(fmt::format(R"(name: corners
target: {{ base_url: "{}" }}
load: {{ rate: 40, duration: 1s }}
requests:
  - {{ name: close_delimited, get: /close-delimited, timeout: 2s, check: {{ status: 200, body_contains: "until the close" }} }}
  - {{ name: http10, get: /http10, timeout: 2s, check: {{ status: 200, body_contains: "until the close" }} }}
  - {{ name: interim, get: /interim, timeout: 2s, check: {{ status: 200, body_contains: ok }} }}
  - {{ name: plain, get: /json, timeout: 2s, check: {{ json: {{ /status: done }} }} }}
slo:
  - http.errors == 0
  - http.max < 1s
)",
                                           server_->base_url()),
                               0);
  for (const char* name : {"close_delimited", "http10", "interim", "plain"}) {
    const auto& n = r["by_name"][name]["requests"];
    EXPECT_GT(n["completed"].get<uint64_t>(), 0u) << name << " " << n;
    EXPECT_EQ(n["errors"].get<uint64_t>(), 0u) << name << " " << n;
  }
}

// The server closes each kept-alive connection shortly after answering. The next request on
// it finds it closed before any response byte: a GET is sent again (and counted), a POST
// never is (the server may have received it), and fails as a reset, saying why.
TEST_F(Figures, OnlyIdempotentRequestsAreSentAgainAndResendsAreCounted) {
  const auto scenario = [&](const std::string& method) {
    return fmt::format(R"(name: resend
target: {{ base_url: "{}" }}
load: {{ model: vus, vus: 1, duration: 1500ms, think: 80ms }}
requests:
  - {{ {} }}
)",
                       server_->base_url(), method);
  };
  auto r = run_expecting(scenario("get: /then-close"), 0);
  auto figures = r["requests"];
  EXPECT_GT(figures["resent"].get<uint64_t>(), 2u) << figures;
  EXPECT_EQ(figures["errors"].get<uint64_t>(), 0u) << figures;

  r = run_expecting(scenario("post: /then-close, body: x"), 0);
  figures = r["requests"];
  EXPECT_EQ(figures["resent"].get<uint64_t>(), 0u) << figures;
  EXPECT_GT(figures["errors_by_kind"].value("reset", 0), 2) << figures;
  EXPECT_NE(r["first_errors"]["reset"].get<std::string>().find("is not sent again"), std::string::npos)
      << r["first_errors"];
}

// One connection per thread (two threads) for 60 requests a second, each taking 50 ms: a third
// are still waiting for a connection when the plan ends. They still go out and finish, their wait in their
// latency (they used to be counted as sent and cancelled, unseen by the server).
TEST_F(Figures, RequestsWaitingForAConnectionAtThePlansEndStillGoOut) {
  const auto r = run_expecting(fmt::format(R"(name: queued
target: {{ base_url: "{}" }}
load: {{ rate: 60, duration: 1s, connections: 1 }}
requests:
  - {{ get: "/delay?ms=50", timeout: 2s }}
)",
                                           server_->base_url()),
                               0);
  const auto& q = r["requests"];
  EXPECT_EQ(q["scheduled"].get<uint64_t>(), 60u) << q;
  EXPECT_EQ(q["completed"].get<uint64_t>(), 60u) << q;
  EXPECT_EQ(q["not_sent"].get<uint64_t>(), 0u) << q;
  EXPECT_GE(r["latency_ms"]["max"].get<double>(), 300.0);       // the last waited ~0.5 s
  EXPECT_LT(r["service_latency_ms"]["max"].get<double>(), 300.0);  // but was served in 50 ms
}

// The same queue, but the drain limit (the longest timeout + 1 s) ends the run first: what
// was still waiting was never written, and is counted as not sent, not as sent.
TEST_F(Figures, RequestsStillWaitingWhenTheDrainEndsAreNotSent) {
  const auto r = run_expecting(fmt::format(R"(name: abandoned
target: {{ base_url: "{}" }}
load: {{ rate: 20, duration: 1s, connections: 1 }}
requests:
  - {{ get: "/delay?ms=400", timeout: 500ms }}
)",
                                           server_->base_url()),
                               0);
  const auto& q = r["requests"];
  EXPECT_EQ(q["scheduled"].get<uint64_t>(), 20u) << q;
  EXPECT_GT(q["not_sent"].get<uint64_t>(), 0u) << q;
  EXPECT_LT(q["sent"].get<uint64_t>(), 20u) << q;
}

// Every start-up run failed and no SLO speaks of failed start-ups: not a pass.
TEST(FiguresStartup, FailedStartUpsFailTheRunUnlessAnSloAllowsThem) {
  ScratchDir dir("figures-startup");
  const auto scenario = [](const std::string& slo) {
    return fmt::format(R"(name: st-all-failed
startup:
  runs: 2
  command: ["{}", --port, "${{port}}", --ready-after, 5s, --exit-after, 20ms, --exit-code, "3"]
  phases:
    - {{ name: ready, http: /up }}
  timeout: 5s
{})",
                       probe_target_binary(), slo);
  };
  auto run = run_loadgen({"run", dir.write("a.yaml", scenario("")), "-o", dir.file("a")});
  EXPECT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  auto r = read_json(dir.file("a/result.json"));
  EXPECT_EQ(r["verdict"], "fail");
  EXPECT_NE(run.stdout_text.find("2 of 2 start-up runs failed"), std::string::npos) << run.stdout_text;

  // An SLO that allows failed start-ups is the user's statement that they may fail.
  run = run_loadgen({"run", dir.write("b.yaml", scenario("slo:\n  - startup.ready.failed <= 2\n")), "-o",
                     dir.file("b")});
  EXPECT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  r = read_json(dir.file("b/result.json"));
  EXPECT_EQ(r["verdict"], "pass");
}

// The plan ends at 2 s with requests in flight; they end 30 ms later. That sliver used to be a
// timeline point of its own (a few responses over 30 ms, charted as a spike far above the
// rate). It is folded into the second before, and no response is lost or counted twice.
TEST_F(Figures, AFinalSliverIsFoldedIntoTheSecondBefore) {
  const auto r = run_expecting(fmt::format(R"(name: sliver
target: {{ base_url: "{}" }}
load: {{ rate: 100, duration: 2s }}
requests:
  - {{ name: slow, get: "/delay?ms=30" }}
)",
                                           server_->base_url()),
                               0);
  const auto& timeline = r["timeline"];
  ASSERT_EQ(timeline.size(), 2u) << timeline;
  double responses = 0;
  for (const auto& p : timeline) {
    EXPECT_GE(p["length_s"].get<double>(), 0.5) << p;
    EXPECT_LT(p["rps"].get<double>(), 150) << p;
    responses += p["rps"].get<double>() * p["length_s"].get<double>();
  }
  EXPECT_GT(timeline.back()["t_s"].get<double>(), 2.0);
  const auto completed = r["requests"]["completed"].get<double>();
  EXPECT_NEAR(responses, completed, 1e-6);
  const auto& by_name = r["by_name"]["slow"]["timeline"];
  ASSERT_EQ(by_name["count"].size(), 2u);
  EXPECT_EQ(by_name["count"][0].get<double>() + by_name["count"][1].get<double>(), completed);
  EXPECT_GE(by_name["p50_ms"][1].get<double>(), 29.0);
}

}  // namespace
}  // namespace loadgen::testing
