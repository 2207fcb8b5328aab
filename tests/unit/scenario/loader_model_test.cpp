#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::kSmoke;
using testing::loaded;

constexpr std::string_view kSoak = R"(name: soak
target:
  base_url: http://127.0.0.1:${port}
  start:
    command: ["${bin}/refserver", --port, "0", --db, "${tmp}/soak.sqlite3"]
    env: { LOG_HOST: "${env:HOST}", PORT: "${port}" }
load:
  stages:
    - { to: 500, over: 30s, name: ramp }
    - { hold: 10m, name: soak }
    - { rate: 1000, hold: 30s, name: spike }
    - { to: 0, over: 10s }
  max_in_flight: 2000
  warmup: 10s
  threads: 2
requests:
  - name: list_items
    weight: 4
    get: "/api/items?limit=50"
    check: { status: 200 }
  - post: /api/jobs
    headers: { Idempotency-Key: "${uuid}" }
    json: { kind: resize, n: 3, ok: true, none: ~, quoted: "3", list: [1.5, "${seq}"] }
    timeout: 5s
    check: { status: [200, 201], body_contains: queued, json: { /status: done, /n: 3 } }
  - method: delete
    path: /api/jobs/${seq}
    check: { status: 2xx }
slo:
  - http.p99 < 200ms
  - list_items.p50 <= 20ms
  - http.p99{stage=spike} < 500ms
  - target.rss.max < 500MB
  - http.rps >= target
)";

TEST(LoadScenario, TopLevelAndTarget) {
  const auto s = loaded(kSoak);
  EXPECT_EQ(s.name, "soak");
  EXPECT_EQ(s.file, "s.yaml");
  EXPECT_EQ(s.report_dir, "reports/out/soak");
  EXPECT_EQ(s.target.base_url.text(), "http://127.0.0.1:${port}");
  EXPECT_EQ(s.target.base_url.variables(), std::vector<std::string>{"port"});
  ASSERT_TRUE(s.target.start);
  const auto& start = *s.target.start;
  std::vector<std::string> argv;
  for (const auto& arg : start.command)
    argv.push_back(arg.text());
  EXPECT_EQ(argv, (std::vector<std::string>{"/opt/lg/bin/refserver", "--port", "0", "--db",
                                            "/tmp/lg/soak.sqlite3"}));
  EXPECT_EQ(start.ready_path, "/up");
  EXPECT_EQ(start.timeout, seconds(30));
  EXPECT_EQ(start.stop_grace, seconds(5));
  EXPECT_FALSE(start.port);
  EXPECT_EQ(start.env,
            (std::map<std::string, std::string>{{"LOG_HOST", "10.0.0.1"}, {"PORT", "${port}"}}));
  EXPECT_EQ(start.where.line, 5);
}

TEST(LoadScenario, StagesAreNormalised) {
  const auto s = loaded(kSoak);
  EXPECT_EQ(s.load.model, LoadModel::kArrivalRate);
  ASSERT_EQ(s.load.stages.size(), 4u);
  const auto& st = s.load.stages;
  EXPECT_EQ(st[0].name, "ramp");
  EXPECT_EQ(st[0].from, 0);
  EXPECT_EQ(st[0].to, 500);
  EXPECT_EQ(st[0].duration, seconds(30));
  EXPECT_EQ(st[1].name, "soak");
  EXPECT_EQ(st[1].from, 500);
  EXPECT_EQ(st[1].to, 500);
  EXPECT_EQ(st[1].duration, seconds(600));
  EXPECT_EQ(st[2].from, 1000);
  EXPECT_EQ(st[2].to, 1000);
  EXPECT_EQ(st[2].duration, seconds(30));
  EXPECT_EQ(st[3].name, "stage 4");
  EXPECT_EQ(st[3].from, 1000);
  EXPECT_EQ(st[3].to, 0);
  EXPECT_EQ(st[3].duration, seconds(10));
  EXPECT_EQ(st[3].where.line, 12);
  EXPECT_EQ(s.load.max_in_flight, 2000);
  EXPECT_EQ(s.load.warmup, seconds(10));
  EXPECT_EQ(s.load.threads, 2);
}

TEST(LoadScenario, Requests) {
  const auto s = loaded(kSoak);
  ASSERT_EQ(s.requests.size(), 3u);
  const auto& list = s.requests[0];
  EXPECT_EQ(list.name, "list_items");
  EXPECT_EQ(list.weight, 4);
  EXPECT_EQ(list.method, "GET");
  EXPECT_EQ(list.path.literal_text(), "/api/items?limit=50");
  EXPECT_EQ(list.check.statuses, std::vector<int>{200});
  EXPECT_EQ(list.timeout, seconds(10));
  EXPECT_FALSE(list.body);

  const auto& post = s.requests[1];
  EXPECT_EQ(post.name, "POST /api/jobs");
  EXPECT_EQ(post.weight, 1);
  EXPECT_EQ(post.timeout, seconds(5));
  ASSERT_EQ(post.headers.size(), 2u);
  EXPECT_EQ(post.headers[0].name, "Idempotency-Key");
  EXPECT_EQ(post.headers[0].value.text(), "${uuid}");
  EXPECT_EQ(post.headers[1].name, "Content-Type");
  EXPECT_EQ(post.headers[1].value.literal_text(), "application/json");
  ASSERT_TRUE(post.body);
  EXPECT_EQ(post.body->text(),
            R"({"kind":"resize","list":[1.5,"${seq}"],"n":3,"none":null,"ok":true,"quoted":"3"})");
  EXPECT_EQ(post.body->variables(), std::vector<std::string>{"seq"});
  EXPECT_EQ(post.check.statuses, (std::vector<int>{200, 201}));
  EXPECT_EQ(post.check.body_contains, "queued");
  ASSERT_EQ(post.check.json_equals.size(), 2u);
  EXPECT_EQ(post.check.json_equals[0].pointer, "/status");
  EXPECT_EQ(post.check.json_equals[0].value_json, "\"done\"");
  EXPECT_EQ(post.check.json_equals[1].value_json, "3");

  const auto& del = s.requests[2];
  EXPECT_EQ(del.method, "DELETE");
  EXPECT_EQ(del.name, "DELETE /api/jobs/${seq}");
  EXPECT_EQ(del.check.status_class, 2);
  EXPECT_TRUE(del.check.statuses.empty());
}

TEST(LoadScenario, SlosKeepTheirTextAndPlace) {
  const auto s = loaded(kSoak);
  ASSERT_EQ(s.slos.size(), 5u);
  EXPECT_EQ(s.slos[0].expression, "http.p99 < 200ms");
  EXPECT_EQ(s.slos[0].where.str(), "s.yaml:30:5");
  EXPECT_EQ(s.slos[4].expression, "http.rps >= target");
}

TEST(LoadScenario, Defaults) {
  const auto s = loaded(kSmoke);
  EXPECT_FALSE(s.target.start);
  EXPECT_EQ(s.load.model, LoadModel::kArrivalRate);
  EXPECT_EQ(s.load.max_in_flight, 1000);
  EXPECT_EQ(s.load.think_time, Nanos{0});
  EXPECT_EQ(s.load.warmup, Nanos{0});
  EXPECT_FALSE(s.load.threads);
  ASSERT_EQ(s.requests.size(), 1u);
  EXPECT_EQ(s.requests[0].name, "GET /");
  EXPECT_TRUE(s.requests[0].check.statuses.empty());
  EXPECT_FALSE(s.requests[0].check.status_class);
  EXPECT_TRUE(s.slos.empty());
  EXPECT_EQ(s.report_dir, "reports/out/smoke");
}

TEST(LoadScenario, MaxRedirectsInLoadRequestsAndSteps) {
  const auto defaults = loaded(kSmoke);
  EXPECT_EQ(defaults.load.max_redirects, 10);
  EXPECT_FALSE(defaults.requests[0].max_redirects);

  const auto s = loaded(R"(name: redirects
target: { base_url: "http://127.0.0.1:8080" }
load: { rate: 10, duration: 5s, max_redirects: 0 }
requests:
  - { name: own, get: /a, max_redirects: 3 }
  - { name: inherits, get: /b }
flows:
  - name: journey
    steps:
      - { name: unfollowed, post: /login, max_redirects: 0 }
      - { name: followed, get: /home }
)");
  EXPECT_EQ(s.load.max_redirects, 0);
  ASSERT_EQ(s.requests.size(), 2u);
  EXPECT_EQ(s.requests[0].max_redirects, 3);
  EXPECT_FALSE(s.requests[1].max_redirects);
  ASSERT_EQ(s.flows.size(), 1u);
  EXPECT_EQ(s.flows[0].steps[0].request.max_redirects, 0);
  EXPECT_FALSE(s.flows[0].steps[1].request.max_redirects);
}

TEST(LoadScenario, ShorthandIsOneStage) {
  const auto s = loaded(kSmoke);
  ASSERT_EQ(s.load.stages.size(), 1u);
  EXPECT_EQ(s.load.stages[0].name, "stage 1");
  EXPECT_EQ(s.load.stages[0].from, 10);
  EXPECT_EQ(s.load.stages[0].to, 10);
  EXPECT_EQ(s.load.stages[0].duration, seconds(5));
  const auto users = loaded(R"(name: users
target: { base_url: "http://localhost:8080" }
load: { model: vus, vus: 10, duration: 30s, think: 100ms }
requests: [ { get: / } ]
)");
  EXPECT_EQ(users.load.model, LoadModel::kVirtualUsers);
  ASSERT_EQ(users.load.stages.size(), 1u);
  EXPECT_EQ(users.load.stages[0].to, 10);
  EXPECT_EQ(users.load.think_time, milliseconds(100));
}

TEST(LoadScenario, BaselineBlock) {
  const auto s = loaded(R"(name: b
target: { base_url: "http://localhost:8080" }
load: { rate: 10, duration: 5s }
requests: [ { get: / } ]
baseline: { file: reports/baselines/b.json, tolerance: { p99: 20%, rps: off } }
)");
  ASSERT_TRUE(s.baseline);
  EXPECT_EQ(s.baseline->file, "reports/baselines/b.json");
  EXPECT_DOUBLE_EQ(*s.baseline->tolerance.at("p99"), 0.20);
  EXPECT_FALSE(s.baseline->tolerance.at("rps"));
  EXPECT_FALSE(s.baseline->tolerance.contains("p50"));
  const auto bad = testing::load(R"(name: b
target: { base_url: "http://localhost:8080" }
load: { rate: 10, duration: 5s }
requests: [ { get: / } ]
baseline: { tolerance: { p99: 20, p95: 5% } }
)");
  EXPECT_EQ(testing::errors_of(bad),
            (std::vector<std::string>{"s.yaml:5:11: baseline needs a file: (a baseline, result.json or report directory)",
                                      "s.yaml:5:31: p99: tolerance '20' is a percentage such as 10% (or off)",
                                      "s.yaml:5:35: unknown key 'p95' in baseline.tolerance (did you mean 'p99'?)"}));
}

TEST(LoadScenario, VirtualUserStagesFromAStartLevel) {
  const auto s = loaded(R"(name: users
target: { base_url: "https://example.test" }
load:
  model: vus
  start: 1
  stages:
    - { to: 10, over: 10s }
    - { vus: 20, hold: 5s, name: burst }
    - { hold: 5s }
requests: [ { get: /, name: home } ]
slo: [ "home.p99{stage=burst} < 1s" ]
)");
  ASSERT_EQ(s.load.stages.size(), 3u);
  EXPECT_EQ(s.load.stages[0].from, 1);
  EXPECT_EQ(s.load.stages[0].to, 10);
  EXPECT_EQ(s.load.stages[1].from, 20);
  EXPECT_EQ(s.load.stages[2].from, 20);
  EXPECT_EQ(s.load.stages[2].name, "stage 3");
}

TEST(LoadScenario, RatesTakeUnits) {
  const auto s = loaded(R"(name: r
target: { base_url: "http://h" }
load:
  start: 1.5k
  stages: [ { to: 6000/m, over: 1m }, { rate: 2k, hold: 1s } ]
requests: [ { get: / } ]
)");
  EXPECT_EQ(s.load.stages[0].from, 1500);
  EXPECT_EQ(s.load.stages[0].to, 100);
  EXPECT_EQ(s.load.stages[1].to, 2000);
}

TEST(LoadScenario, StartOptionsAndReportDir) {
  const auto s = loaded(R"(name: started
target:
  base_url: http://127.0.0.1:8080
  start:
    command: [./server]
    ready: /health
    timeout: 1m
    stop_grace: 0s
    port: 8080
load: { rate: 1, duration: 1s }
requests: [ { method: options, path: /x, body: "raw ${vu}" } ]
report: { dir: "${tmp}/out" }
)");
  ASSERT_TRUE(s.target.start);
  EXPECT_EQ(s.target.start->ready_path, "/health");
  EXPECT_EQ(s.target.start->timeout, seconds(60));
  EXPECT_EQ(s.target.start->stop_grace, Nanos{0});
  EXPECT_EQ(s.target.start->port, 8080);
  EXPECT_EQ(s.requests[0].method, "OPTIONS");
  EXPECT_EQ(s.requests[0].body->text(), "raw ${vu}");
  EXPECT_TRUE(s.requests[0].headers.empty());  // a raw body sets no content type
  EXPECT_EQ(s.report_dir, "/tmp/lg/out");
}

TEST(LoadScenario, GivenContentTypeIsKept) {
  const auto s = loaded(R"(name: ct
target: { base_url: "http://h" }
load: { rate: 1, duration: 1s }
requests:
  - post: /x
    headers: { content-type: application/vnd.api+json }
    json: [1, 2]
)");
  ASSERT_EQ(s.requests[0].headers.size(), 1u);
  EXPECT_EQ(s.requests[0].headers[0].value.literal_text(), "application/vnd.api+json");
  EXPECT_EQ(s.requests[0].body->literal_text(), "[1,2]");
}

TEST(LoadScenario, ResolvedYamlIsTheDocumentAfterSet) {
  const auto s = loaded(kSmoke, testing::test_options({{"load.rate", "25"}}));
  EXPECT_NE(s.resolved_yaml.find("rate: 25"), std::string::npos) << s.resolved_yaml;
  EXPECT_EQ(s.resolved_yaml.find("rate: 10"), std::string::npos) << s.resolved_yaml;
  EXPECT_NE(s.resolved_yaml.find("name: smoke"), std::string::npos);
  EXPECT_EQ(s.load.stages[0].to, 25);
}

TEST(LoadFile, ReadsFromDiskAndReportsAMissingFile) {
  const std::string path = ::testing::TempDir() + "/loadgen_scenario_test.yaml";
  {
    std::ofstream out(path);
    out << kSmoke;
  }
  const auto from_disk = load_file(path, testing::test_options());
  std::remove(path.c_str());
  ASSERT_TRUE(from_disk.ok()) << testing::joined(from_disk);
  EXPECT_EQ(from_disk.scenario->file, path);
  EXPECT_EQ(from_disk.scenario->name, "smoke");

  const auto missing = load_file("/nonexistent/dir/x.yaml", testing::test_options());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(testing::errors_of(missing),
            std::vector<std::string>{
                "/nonexistent/dir/x.yaml: cannot read the scenario: No such file or directory"});
}

}  // namespace
}  // namespace loadgen::scenario
