// Habits people bring from wrk2, oha, hey and Vegeta: `loadgen run URL` with their flags, the
// scenario those flags make (--save-scenario, checked byte for byte), `loadgen init`'s starter,
// and bad flags named in the message with exit 2. Against the real binary and test_server.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

class UrlRun : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "1"});
    ASSERT_TRUE(server_);
  }
  std::string url(const std::string& path) const { return server_->base_url() + path; }
  std::unique_ptr<RunningServer> server_;
};

TEST_F(UrlRun, ARateAndADurationRunTheOpenModelAndJudgeTheSlos) {
  ScratchDir dir("url-open");
  const auto run = run_loadgen({"run", url("/ok"), "-R", "50", "-d", "1s", "--slo", "http.error_rate < 1%", "--slo",
                                "http.p99 < 2s", "-o", dir.file("out"), "-t", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  EXPECT_NE(run.stdout_text.find("loadgen: url (arrival-rate"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("verdict: PASS"), std::string::npos) << run.stdout_text;
  const auto r = read_json(dir.file("out/result.json"));
  EXPECT_EQ(r["requests"]["scheduled"], 50);
  EXPECT_EQ(r["requests"]["completed"], 50);
  EXPECT_EQ(r["slo"].size(), 2u);
  EXPECT_EQ(r["slo"][1]["unit"], "ns");

  // The same with an SLO that cannot hold: exit 1, as for a file.
  const auto failing = run_loadgen({"run", url("/ok"), "-R", "20", "-d", "500ms", "--slo", "http.p99 < 1us", "-q", "-o",
                                    dir.file("fail"), "-t", "1"});
  EXPECT_EQ(failing.exit_code, 1) << failing.stdout_text << failing.stderr_text;
  EXPECT_NE(failing.stdout_text.find("verdict: FAIL"), std::string::npos);
}

TEST_F(UrlRun, TheSavedScenarioIsWhatTheFlagsSaidAndRunsTheSamePlan) {
  ScratchDir dir("url-save");
  const auto saved = dir.file("s.yaml");
  const auto run = run_loadgen({"run", url("/echo?x=1"), "-R", "40", "--ramp", "500ms", "-d", "1s", "-c", "4", "-m", "put",
                                "-H", "X-Trace: abc", "-H", "Authorization: Bearer t\"q", "--json", R"({"a": [1, 2]})",
                                "--timeout", "2s", "--slo", "http.error_rate < 1%", "--save-scenario", saved, "-q", "-o",
                                dir.file("out"), "-t", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const std::string expected = fmt::format(
      R"(# Written by loadgen from: loadgen run {0}/echo?x=1 ... (edit it to grow; `loadgen validate` checks it)
name: url
target:
  base_url: "{0}"
load:
  model: arrival-rate
  stages:
    - {{ to: 40, over: 500ms, name: ramp }}
    - {{ rate: 40, hold: 1s, name: hold }}
  connections: 4
requests:
  - name: request
    method: PUT
    path: "/echo?x=1"
    headers:
      "X-Trace": "abc"
      "Authorization": "Bearer t\"q"
    json: {{"a":[1,2]}}
    timeout: 2s
slo:
  - "http.error_rate < 1%"
)",
      server_->base_url());
  EXPECT_EQ(dir.read("s.yaml"), expected);
  EXPECT_EQ(run_loadgen({"validate", saved}).exit_code, 0);
  const auto again = run_loadgen({"run", saved, "-q", "-o", dir.file("again"), "-t", "1"});
  ASSERT_EQ(again.exit_code, 0) << again.stdout_text << again.stderr_text;
  const auto a = read_json(dir.file("out/result.json"));
  const auto b = read_json(dir.file("again/result.json"));
  EXPECT_EQ(a["plan"], b["plan"]);
  EXPECT_EQ(a["requests"]["scheduled"], b["requests"]["scheduled"]);
  EXPECT_EQ(a["requests"]["scheduled"], 50);  // 10 over the ramp, 40 over the hold
}

TEST_F(UrlRun, UsersRunTheClosedModel) {
  ScratchDir dir("url-users");
  const auto run = run_loadgen({"run", url("/redirect-chain?n=2"), "-u", "2", "-d", "500ms", "-q", "-o", dir.file("out"), "-t", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  EXPECT_EQ(r["model"], "vus");
  EXPECT_GT(r["requests"]["completed"].get<int>(), 10);
  EXPECT_EQ(r["requests"]["redirects"].get<int>(), 2 * r["requests"]["completed"].get<int>());
  // --max-redirects 0: the 3xx is the answer.
  const auto unfollowed = run_loadgen({"run", url("/redirect-chain?n=2"), "-R", "20", "-d", "500ms", "--max-redirects", "0",
                                       "-q", "-o", dir.file("unfollowed"), "-t", "1"});
  ASSERT_EQ(unfollowed.exit_code, 0) << unfollowed.stdout_text << unfollowed.stderr_text;
  EXPECT_EQ(read_json(dir.file("unfollowed/result.json"))["requests"]["redirects"], 0);
}

TEST_F(UrlRun, BadFlagsAreNamedWithExitTwo) {
  ScratchDir dir("url-bad");
  const auto expect_bad = [&](std::vector<std::string> args, const std::string& message) {
    args.insert(args.begin(), "run");
    const auto run = run_loadgen(args);
    EXPECT_EQ(run.exit_code, 2) << run.stdout_text << run.stderr_text;
    EXPECT_NE(run.stderr_text.find(message), std::string::npos) << "wanted: " << message << "\ngot: " << run.stderr_text;
  };
  expect_bad({url("/ok"), "-R", "fast"}, "loadgen: -R/--rate: ");
  expect_bad({url("/ok"), "-R", "10", "-u", "2"}, "-R/--rate (open model) and -u/--users (closed model): give one");
  expect_bad({url("/ok")}, "give -R/--rate (requests per second, open model) or -u/--users (closed model)");
  expect_bad({url("/ok"), "-R", "10", "-d", "soon"}, "loadgen: -d/--duration: ");
  expect_bad({url("/ok"), "-R", "10", "-H", "no-colon"}, "-H/--header 'no-colon': a header is 'Name: value'");
  expect_bad({url("/ok"), "-R", "10", "--json", "{nope"}, "--json: not JSON");
  expect_bad({url("/ok"), "-R", "10", "--slo", "http.p101 < 1s"}, "--slo 'http.p101 < 1s': column 6:");
  expect_bad({url("/ok"), "-R", "10", "-m", "FETCH"}, "-m/--method: 'FETCH' is not one of");
  expect_bad({url("/ok"), "-R", "10", "--http", "3"}, "--http: 3 not in {");
  expect_bad({dir.write("s.yaml", "name: x\n"), "-R", "10"}, "-R/--rate is for a URL run");
  expect_bad({dir.file("missing.yaml")}, "no scenario file");
}

TEST(Init, TheStarterValidatesAndIsNotOverwritten) {
  ScratchDir dir("init");
  const auto file = dir.file("starter.yaml");
  const auto init = run_loadgen({"init", file});
  ASSERT_EQ(init.exit_code, 0) << init.stderr_text;
  const auto validate = run_loadgen({"validate", file});
  EXPECT_EQ(validate.exit_code, 0) << validate.stdout_text << validate.stderr_text;
  const auto text = dir.read("starter.yaml");
  EXPECT_NE(text.find("model: arrival-rate"), std::string::npos);
  EXPECT_NE(text.find("- http.p99 < 250ms"), std::string::npos);
  const auto again = run_loadgen({"init", file});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.stderr_text.find("exists; give another name, or --force"), std::string::npos) << again.stderr_text;
  EXPECT_EQ(run_loadgen({"init", file, "--force"}).exit_code, 0);
}

TEST(Init, AStartUpBlockWithATargetIsToldWhatToDo) {
  ScratchDir dir("startup-target");
  const auto file = dir.write("s.yaml", R"(name: s
target: { base_url: "http://127.0.0.1:8080" }
startup:
  command: ["/bin/true"]
  phases: [ { name: ready, tcp: "${port}" } ]
)");
  const auto run = run_loadgen({"validate", file});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("s.yaml:2:9: a start-up-only scenario leaves out target, load and requests; give startup.port "
                                 "for a fixed port"),
            std::string::npos)
      << run.stderr_text;
  EXPECT_EQ(run.stderr_text.find("needs load"), std::string::npos) << run.stderr_text;
}

}  // namespace
}  // namespace loadgen::testing
