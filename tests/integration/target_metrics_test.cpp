// The target's own metrics as `loadgen run` scrapes them (probes.metrics), with the real binary:
// a target whose histogram follows a known distribution (test_server's /metrics), so that the
// quantiles loadgen reports can be checked against the histogram_quantile rule worked out by
// hand; scrapes that fail; stage and window scopes; refserver's own series under load; and an
// exporter nobody here wrote (Debian's prometheus-node-exporter).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "probes/http_probe.hpp"
#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

const json& slo_of(const json& result, const std::string& expr) {
  for (const auto& s : result["slo"]) {
    if (s["expr"] == expr) return s;
  }
  static const json kNone;
  ADD_FAILURE() << "no SLO " << expr << " in " << result["slo"];
  return kNone;
}

double observed(const json& result, const std::string& expr) {
  const auto& s = slo_of(result, expr);
  EXPECT_TRUE(s["observed"].is_number()) << s;
  return s["observed"].is_number() ? s["observed"].get<double>() : -1;
}

std::string known_scenario(const std::string& base_url, const std::string& metrics_path, const std::string& extra_slos) {
  return fmt::format(R"(name: known
target: {{ base_url: "{}" }}
load:
  stages:
    - {{ rate: 20, hold: 1s, name: first }}
    - {{ rate: 20, hold: 1s, name: second }}
requests:
  - {{ get: /ok }}
probes:
  metrics: {{ url: "{}", interval: 200ms }}
slo:
  - target.metric.test_latency_seconds.p50 < 1s
  - target.metric.test_latency_seconds.p75 < 1s
  - target.metric.test_latency_seconds.p90 < 1s
  - target.metric.test_latency_seconds.p99 < 1s
  - target.metric.test_latency_seconds.avg < 1s
{})",
                     base_url, metrics_path, extra_slos);
}

// Every interval adds the base distribution (known_metrics.hpp): 50 under 10ms, 30 more under
// 25ms, 15 under 50ms, 4 under 100ms, 1 under 250ms. By histogram_quantile's rule, with n
// intervals added: p50's rank 50n ends the first bucket (0..10ms) -> 10ms; p75's rank 75n is
// 25n into the second bucket's 30n -> 10 + 15 x 25/30 = 22.5ms; p90's rank 90n is 10n into the
// third's 15n -> 25 + 25 x 10/15 = 41.67ms; p99's rank 99n ends the fourth -> 100ms. The mean is
// sum / count = 2.0 / 100 = 20ms. Whatever n is.
void expect_known_quantiles(const json& r) {
  EXPECT_NEAR(observed(r, "target.metric.test_latency_seconds.p50 < 1s"), 0.010, 1e-12);
  EXPECT_NEAR(observed(r, "target.metric.test_latency_seconds.p75 < 1s"), 0.0225, 1e-12);
  EXPECT_NEAR(observed(r, "target.metric.test_latency_seconds.p90 < 1s"), 0.025 + 0.025 * 10.0 / 15.0, 1e-12);
  EXPECT_NEAR(observed(r, "target.metric.test_latency_seconds.p99 < 1s"), 0.100, 1e-12);
  EXPECT_NEAR(observed(r, "target.metric.test_latency_seconds.avg < 1s"), 0.020, 1e-12);
}

class TargetMetricsRun : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "1"});
    ASSERT_TRUE(server_);
  }
  std::unique_ptr<RunningServer> server_;
};

TEST_F(TargetMetricsRun, QuantilesOfAKnownHistogramFollowTheInterpolationRuleExactly) {
  ScratchDir dir("metrics-known");
  const auto file = dir.write("s.yaml", known_scenario(server_->base_url(), "/metrics", R"(  - target.metric.test_requests.rate > 5
  - target.metric.test_queue_depth{pool="b"}.last == 1
  - target.metric.test_queue_depth.max < 1000
  - target.metric.test_rpc_seconds.p99 < 1s
  - target.metric.test_rpc_seconds.p50 < 1ms
)"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;  // the summary's p50 is 2ms
  const auto r = read_json(dir.file("out/result.json"));
  expect_known_quantiles(r);
  const auto& tm = r["target_metrics"];
  ASSERT_TRUE(tm.is_object());
  EXPECT_EQ(tm["format"], "openmetrics");
  EXPECT_EQ(tm["scrape_failures"], 0);
  const int scrapes = tm["scrapes"].get<int>();
  EXPECT_GE(scrapes, 10);  // 2 s at 200 ms, the first and the last
  // The gauges of both pools added up: pool a is the scrape's number, pool b is 1.
  EXPECT_EQ(observed(r, "target.metric.test_queue_depth.max < 1000"), scrapes + 1);
  EXPECT_EQ(observed(r, R"(target.metric.test_queue_depth{pool="b"}.last == 1)"), 1);
  // A summary's quantile: the worst the target reported (0.004 + k/1000 at the last scrape).
  EXPECT_NEAR(observed(r, "target.metric.test_rpc_seconds.p99 < 1s"), 0.004 + scrapes / 1000.0, 1e-12);
  EXPECT_FALSE(slo_of(r, "target.metric.test_rpc_seconds.p50 < 1ms")["pass"].get<bool>());
  const double rate = observed(r, "target.metric.test_requests.rate > 5");
  EXPECT_GT(rate, 10 / 0.24);  // 10 per interval of ~200ms
  EXPECT_LT(rate, 10 / 0.16);
  // Each series' timeline: the histogram's p99 of every interval is 100ms too.
  bool found = false;
  for (const auto& s : tm["series"]) {
    if (s["series"] != "test_latency_seconds") continue;
    found = true;
    EXPECT_EQ(s["type"], "histogram");
    EXPECT_EQ(s["unit"], "seconds");
    ASSERT_EQ(s["quantiles"]["p99"].size(), s["t_s"].size());
    EXPECT_GE(s["t_s"].size(), 8u);
    for (const auto& v : s["quantiles"]["p99"]) EXPECT_NEAR(v.get<double>(), 0.1, 1e-12);
  }
  EXPECT_TRUE(found) << tm["series"];
  EXPECT_NE(run.stdout_text.find("test_latency_seconds  rate"), std::string::npos) << run.stdout_text;
}

TEST_F(TargetMetricsRun, RestartsAndTheTextFormatGiveTheSameQuantiles) {
  // A target restarted every 3rd scrape: its counters fall back, and each increase counts from
  // zero as Prometheus's rate() counts it, so every interval still adds the base distribution.
  ScratchDir dir("metrics-restart");
  const auto file = dir.write("s.yaml", known_scenario(server_->base_url(), "/metrics?format=text&restart_every=3",
                                                       "  - target.metric.test_requests_total.rate > 5\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  expect_known_quantiles(r);
  EXPECT_EQ(r["target_metrics"]["format"], "prometheus-text");
  EXPECT_GT(observed(r, "target.metric.test_requests_total.rate > 5"), 10 / 0.24);
}

TEST_F(TargetMetricsRun, StageAndWindowScopesJudgeTheirOwnIntervals) {
  ScratchDir dir("metrics-scopes");
  const auto file = dir.write("s.yaml", known_scenario(server_->base_url(), "/metrics?scopes", R"(  - target.metric.test_queue_depth{pool="a"}.max{stage=first} < 1000
  - target.metric.test_queue_depth{pool="a"}.max{stage=second} < 1000
  - target.metric.test_queue_depth{pool="a"}.min{window=1s} > 2
  - target.metric.test_latency_seconds.p90{stage=second,window=1s} < 1s
)"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;  // the first window's min is 1 or 2
  const auto r = read_json(dir.file("out/result.json"));
  // Pool a's depth is the scrape's number: the first stage ends near scrape 6, the second later.
  const double first = observed(r, R"(target.metric.test_queue_depth{pool="a"}.max{stage=first} < 1000)");
  const double second = observed(r, R"(target.metric.test_queue_depth{pool="a"}.max{stage=second} < 1000)");
  EXPECT_GE(first, 4);
  EXPECT_LE(first, 7);
  EXPECT_GE(second, first + 3);
  const auto& window = slo_of(r, R"(target.metric.test_queue_depth{pool="a"}.min{window=1s} > 2)");
  EXPECT_FALSE(window["pass"].get<bool>());
  EXPECT_LE(window["observed"].get<double>(), 2);
  ASSERT_TRUE(window["worst_window"].is_object()) << window;
  EXPECT_GE(window["worst_window"]["windows"].get<int>(), 4);
  EXPECT_GE(window["worst_window"]["failed"].get<int>(), 1);
  EXPECT_LT(window["worst_window"]["failed"].get<int>(), window["worst_window"]["windows"].get<int>());
  EXPECT_NEAR(observed(r, "target.metric.test_latency_seconds.p90{stage=second,window=1s} < 1s"),
              0.025 + 0.025 * 10.0 / 15.0, 1e-12);
}

TEST_F(TargetMetricsRun, FailedScrapesAndAbsentSeriesAreCountedAndSaidNeverPassed) {
  ScratchDir dir("metrics-failures");
  // Scrapes after the 4th are malformed: counted with the first error, the run goes on, and what
  // the good scrapes gave is still judged.
  const auto file = dir.write("s.yaml", known_scenario(server_->base_url(), "/metrics?broken_after=4",
                                                       "  - target.metric.nope_seconds.p99 < 1s\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  expect_known_quantiles(r);
  const auto& tm = r["target_metrics"];
  EXPECT_EQ(tm["scrape_failures"].get<int>(), tm["scrapes"].get<int>() - 4);
  EXPECT_NE(tm["first_error"].get<std::string>().find("scrape 5 at"), std::string::npos) << tm["first_error"];
  EXPECT_NE(tm["first_error"].get<std::string>().find("malformed exposition, line"), std::string::npos) << tm["first_error"];
  const auto& absent = slo_of(r, "target.metric.nope_seconds.p99 < 1s");
  EXPECT_FALSE(absent["pass"].get<bool>());
  EXPECT_NE(absent["detail"].get<std::string>().find("no series nope_seconds appeared"), std::string::npos) << absent;
  EXPECT_NE(run.stdout_text.find("no series nope_seconds appeared"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("first failed scrape: scrape 5"), std::string::npos) << run.stdout_text;

  // Nothing listens there: every scrape fails, the load is still measured and reported.
  ScratchDir dir2("metrics-refused");
  const auto refused = dir2.write("s.yaml", known_scenario(server_->base_url(), "http://127.0.0.1:1/metrics", ""));
  const auto run2 = run_loadgen({"run", refused, "-o", dir2.file("out"), "--threads", "1"});
  ASSERT_EQ(run2.exit_code, 1) << run2.stdout_text << run2.stderr_text;
  const auto r2 = read_json(dir2.file("out/result.json"));
  EXPECT_EQ(r2["target_metrics"]["scrape_failures"], r2["target_metrics"]["scrapes"]);
  EXPECT_GT(r2["requests"]["completed"].get<int>(), 30);
  const auto& p99 = slo_of(r2, "target.metric.test_latency_seconds.p99 < 1s");
  EXPECT_FALSE(p99["pass"].get<bool>());
  EXPECT_NE(p99["detail"].get<std::string>().find("scrapes failed; first: scrape 1 at"), std::string::npos) << p99;
}

TEST(TargetMetricsRefserver, ItsDatabaseAndQueueSeriesAreJudgedUnderLoad) {
  ScratchDir dir("metrics-refserver");
  const auto file = dir.write("s.yaml", fmt::format(R"(name: refmetrics
target:
  base_url: http://127.0.0.1:${{port}}
  start:
    command: ["${{bin}}/refserver", --port, "0", --db, "{}", --seed-rows, "2000"]
    ready: /up
load: {{ rate: 100, duration: 3s }}
requests:
  - {{ name: list, weight: 3, get: "/api/items?limit=20" }}
  - name: job
    post: /api/jobs
    headers: {{ Idempotency-Key: "${{uuid}}" }}
    json: {{ kind: sleep, work_ms: 1 }}
probes:
  metrics: {{ url: /metrics, interval: 500ms }}
slo:
  - target.metric.refserver_db_query_seconds{{query="list_items"}}.p99 < 100ms
  - target.metric.refserver_job_queue_wait_seconds.p95 < 5s
  - target.metric.refserver_http_request_duration_seconds{{route="/api/items"}}.rate > 30
  - target.metric.refserver_jobs_queue_depth.max < 1000
)",
                                                    dir.file("ref.sqlite3")));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  // About 75 listings a second reach the handler.
  const double listings = observed(r, R"(target.metric.refserver_http_request_duration_seconds{route="/api/items"}.rate > 30)");
  EXPECT_GT(listings, 50);
  EXPECT_LT(listings, 110);
  EXPECT_GT(observed(r, R"(target.metric.refserver_db_query_seconds{query="list_items"}.p99 < 100ms)"), 0);
  const auto html = dir.read("out/report.html");
  EXPECT_NE(html.find("data-chart=\"metric-0\""), std::string::npos);
  EXPECT_NE(html.find("refserver_db_query_seconds{query=&quot;list_items&quot;}"), std::string::npos);
}

// A free loopback port for a server that must be told one (node_exporter takes no port 0).
int free_port() {
  std::mt19937 rng(std::random_device{}());
  return std::uniform_int_distribution<int>(20000, 60000)(rng);
}

TEST(TargetMetricsNodeExporter, AnExporterNobodyHereWroteIsScrapedAndJudged) {
  const std::string exporter = "/usr/bin/prometheus-node-exporter";
  if (!std::filesystem::exists(exporter)) {
    GTEST_SKIP() << "prometheus-node-exporter is not installed (scripts/setup installs it)";
  }
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "1"});
  ASSERT_TRUE(server);
  std::unique_ptr<probes::ChildProcess> node;
  int port = 0;
  for (int attempt = 0; attempt < 5 && !node; ++attempt) {
    port = free_port();
    probes::SpawnOptions options;
    options.argv = {exporter, fmt::format("--web.listen-address=127.0.0.1:{}", port), "--collector.disable-defaults",
                    "--collector.cpu", "--collector.loadavg", "--collector.meminfo"};
    auto spawned = probes::ChildProcess::spawn(options);
    if (!spawned) continue;
    auto child = std::move(spawned).value();
    for (int i = 0; i < 100; ++i) {
      if (probes::http_get_status("127.0.0.1", port, "/metrics", std::chrono::milliseconds(500)) == 200) {
        node = std::move(child);
        break;
      }
      if (!child->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_TRUE(node) << "node_exporter did not start";
  ScratchDir dir("metrics-node");
  const auto file = dir.write("s.yaml", fmt::format(R"(name: node
target: {{ base_url: "{}" }}
load: {{ rate: 20, duration: 2s }}
requests:
  - {{ get: /ok }}
probes:
  metrics:
    url: http://127.0.0.1:{}/metrics
    interval: 500ms
    select: [node_load1, node_memory_MemTotal_bytes]
slo:
  - target.metric.node_cpu_seconds_total.rate > 0.5
  - target.metric.node_cpu_seconds_total{{mode="idle"}}.rate >= 0
  - target.metric.node_memory_MemTotal_bytes.last > 64MB
  - target.metric.node_load1.max >= 0
)",
                                                    server->base_url(), port));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  node->stop(std::chrono::seconds(2));
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  const auto& tm = r["target_metrics"];
  EXPECT_EQ(tm["scrape_failures"], 0);
  EXPECT_GT(tm["samples_last"].get<int>(), 20);
  // Every CPU's seconds in every mode advance by one per second: the sum is the CPU count.
  const double cpus = observed(r, "target.metric.node_cpu_seconds_total.rate > 0.5");
  EXPECT_GT(cpus, 0.5 * std::thread::hardware_concurrency());
  EXPECT_LT(cpus, 1.5 * std::thread::hardware_concurrency() + 0.5);
  // Only what select and the SLOs name is kept.
  for (const auto& s : tm["series"]) {
    const auto name = s["name"].get<std::string>();
    EXPECT_TRUE(name == "node_cpu_seconds_total" || name == "node_load1" || name == "node_memory_MemTotal_bytes") << name;
  }
}

}  // namespace
}  // namespace loadgen::testing
