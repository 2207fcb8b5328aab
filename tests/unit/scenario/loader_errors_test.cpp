#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using testing::errors_of;
using testing::load;
using Errors = std::vector<std::string>;

// Exact messages, with file:line:col, for the mistakes people make most.
TEST(LoadErrors, UnknownKeyWithSuggestion) {
  const auto r = load(R"(name: smoke
target:
  base_url: http://127.0.0.1:8080
load:
  rate: 10
  duration: 5s
  max_inflight: 50
requests:
  - get: /
)");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.scenario);
  EXPECT_EQ(
      errors_of(r),
      Errors{"s.yaml:7:3: unknown key 'max_inflight' in load (did you mean 'max_in_flight'?)"});
}

TEST(LoadErrors, MaxRedirectsIsAWholeNumberUpTo100) {
  const auto r = load(R"(name: smoke
target:
  base_url: http://127.0.0.1:8080
load: { rate: 10, duration: 5s, max_redirects: -1 }
requests:
  - { get: /, max_redirects: 101 }
  - { get: /x, max_redirect: 2 }
)");
  const auto errors = errors_of(r);
  ASSERT_EQ(errors.size(), 3u) << testing::joined(r);
  EXPECT_NE(errors[0].find("s.yaml:4:"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("s.yaml:6:"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("did you mean 'max_redirects'?"), std::string::npos) << errors[2];
}

TEST(LoadErrors, TargetHttpIsTwoOneOneOrAutoAndMaxStreamsIsBounded) {
  const auto r = load(R"(name: h2
target: { base_url: "https://h", http: "3", max_streams: 0 }
load: { rate: 10, duration: 5s }
requests:
  - get: /
)");
  EXPECT_EQ(errors_of(r), (Errors{"s.yaml:2:40: target.http is \"2\", \"1.1\" or auto, not '3'",
                                  "s.yaml:2:58: max_streams must be at least 1, not 0"}))
      << testing::joined(r);
  for (const auto& [text, version] : std::vector<std::pair<std::string, HttpVersion>>{
           {"\"2\"", HttpVersion::kHttp2}, {"2", HttpVersion::kHttp2}, {"\"1.1\"", HttpVersion::kHttp1},
           {"1.1", HttpVersion::kHttp1}, {"auto", HttpVersion::kAuto}}) {
    const auto ok = load(fmt::format(R"(name: h2
target: {{ base_url: "https://h", http: {}, max_streams: 8 }}
load: {{ model: vus, vus: 10, connections: 2, duration: 5s }}
requests:
  - get: /
)",
                                     text));
    ASSERT_TRUE(ok.ok()) << text << ": " << testing::joined(ok);
    EXPECT_EQ(ok.scenario->target.http, version) << text;
    EXPECT_EQ(ok.scenario->target.max_streams, 8);
    EXPECT_EQ(ok.scenario->load.connections, 2);  // users share connections in the closed model too
  }
}

TEST(LoadErrors, YamlSyntaxError) {
  const auto r = load("name: smoke\nload: [1, 2\nrequests: []\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where.str(), "s.yaml:3:9");  // where yaml-cpp noticed
  EXPECT_EQ(r.errors[0].message, "end of sequence flow not found");
}

TEST(LoadErrors, DurationsNeedUnits) {
  const auto r = load(R"(name: smoke
target: { base_url: "http://h" }
load: { rate: 10, duration: 5s }
requests:
  - get: /
    timeout: 10
)");
  EXPECT_EQ(errors_of(r),
            Errors{"s.yaml:6:14: timeout: duration '10' needs a unit (ns, us, ms, s, m, h)"});
}

// Each duration is within bounds, their sum is not: it used to wrap to negative times and
// run for one second.
TEST(LoadErrors, StageDurationsWhoseSumOverflowsAreRefused) {
  const auto r = load(R"(name: long
target: { base_url: "http://h" }
load:
  stages:
    - { to: 10, over: 200000h, name: a }
    - { hold: 200000h, name: b }
    - { hold: 200000h, name: c }
requests:
  - get: /
)");
  EXPECT_FALSE(r.scenario);
  EXPECT_EQ(errors_of(r),
            Errors{"s.yaml:6:7: the stages up to 'b' last more than 31 years in total: no plan may"});
}

// validate applies the check run applies, located: every URL run would refuse.
TEST(LoadErrors, BaseUrlsRunWouldRefuseAreRefusedWhereTheyStand) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://127.0.0.1:99999", "base_url: '99999' is not a port (1..65535)"},
      {"http://:8080", "base_url: 'http://:8080' has no host"},
      {"http://[::1", "base_url: unterminated [IPv6] address in URL"},
      {"http://127.0.0.1:8080/#top", "base_url: 'http://127.0.0.1:8080/#top' has a fragment (#...): a base URL cannot"},
      {"http://127.0.0.1:", "base_url: '' is not a port (1..65535)"},
  };
  for (const auto& [url, message] : cases) {
    const auto r = load("name: u\ntarget: { base_url: \"" + url +
                        "\" }\nload: { rate: 10, duration: 1s }\nrequests:\n  - get: /\n");
    EXPECT_EQ(errors_of(r), Errors{"s.yaml:2:21: " + message}) << url;
  }
  // Good ones, ${port} included when loadgen starts the target.
  EXPECT_TRUE(load("name: u\ntarget: { base_url: \"http://[::1]:8080/api/\" }\nload: { rate: 10, duration: 1s }\n"
                   "requests:\n  - get: /\n")
                  .ok());
}

// 769 bytes of nested aliases name a billion values: refused in a moment, not after 4 GB.
TEST(LoadErrors, AliasesThatExpandBeyondBoundsAreRefused) {
  std::string yaml =
      "name: bomb\ntarget: { base_url: \"http://h\" }\nload: { rate: 1, duration: 1s }\nrequests:\n"
      "  - post: /\n    json:\n      x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 9; ++i) {
    yaml += fmt::format("      x{}: &a{} [", i, i);
    for (int k = 0; k < 10; ++k) yaml += fmt::format("{}*a{}", k ? ", " : "", i - 1);
    yaml += "]\n";
  }
  const auto r = load(yaml);
  EXPECT_FALSE(r.scenario);
  bool said = false;
  for (const auto& e : errors_of(r)) said = said || e.find("expands to more than 1000000 values") != std::string::npos;
  EXPECT_TRUE(said) << ::testing::PrintToString(errors_of(r));
}

TEST(LoadErrors, AScenarioLargerThan16MiBIsRefused) {
  const std::string big = "name: big\n# " + std::string(17u << 20, 'x') + "\n";
  const auto r = load(big);
  EXPECT_FALSE(r.scenario);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("at most 16 MiB"), std::string::npos) << r.errors[0].message;
}

TEST(LoadErrors, MergeKeysAreRefusedByName) {
  const auto r = load(R"(name: merge
defaults: &d { rate: 10, duration: 1s }
target: { base_url: "http://h" }
load:
  <<: *d
requests:
  - get: /
)");
  EXPECT_FALSE(r.scenario);
  bool said = false;
  for (const auto& e : errors_of(r)) said = said || e.starts_with("s.yaml:5:3: YAML merge keys (<<) are not supported");
  EXPECT_TRUE(said) << ::testing::PrintToString(errors_of(r));
}

// Found by fuzz_scenario_loader: bytes that are not UTF-8 in a json value made nlohmann throw
// while the check was written (terminate); now a located error.
TEST(LoadErrors, JsonValuesMustBeUtf8) {
  const auto r = load("name: u\ntarget: { base_url: \"http://h\" }\nload: { rate: 1, duration: 1s }\nrequests:\n"
                      "  - { get: /, check: { json: { /ok: \"t\x92\x92rue\" } } }\n");
  EXPECT_FALSE(r.scenario);
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(errors_of(r));
  EXPECT_NE(r.errors[0].message.find("not valid UTF-8"), std::string::npos) << r.errors[0].message;
  EXPECT_EQ(r.errors[0].where.line, 5);
}

TEST(LoadErrors, SloExpressionsPointAtTheItem) {
  const auto r = load(R"(name: smoke
target: { base_url: "http://h" }
load: { rate: 10, duration: 5s }
requests:
  - { name: list_items, get: /items }
slo:
  - http.p99 < 200
  - list_item.p99 < 100ms
  - http.p99{stage=spkie} < 1s
  - target.rss.max < 500MB
)");
  EXPECT_EQ(errors_of(r),
            (Errors{"s.yaml:7:5: bad SLO 'http.p99 < 200': column 12: 200 needs a unit, e.g. 200ms",
                    "s.yaml:8:5: SLO metric 'list_item' is not http, send_lag, a request name, "
                    "startup.<phase> or target.* (did you mean 'list_items'?)",
                    "s.yaml:9:5: there is no stage named 'spkie'",
                    "s.yaml:10:5: target.rss is measured only on a target that loadgen starts "
                    "(add target.start, or probes.resources.pid_file)"}));
}

TEST(LoadErrors, StageTagsSuggestStageNames) {
  const auto r = load(R"(name: spike
target: { base_url: "http://h" }
load:
  stages: [ { rate: 10, hold: 5s, name: warm }, { rate: 100, hold: 5s, name: spike } ]
requests: [ { get: / } ]
slo: [ "http.p99{stage=spkie} < 1s" ]
)");
  EXPECT_EQ(errors_of(r),
            Errors{"s.yaml:6:8: there is no stage named 'spkie' (did you mean 'spike'?)"});
}

TEST(LoadErrors, ScopeTagsOnlyOnRequestMetrics) {
  const auto r = load(R"(name: spike
target: { base_url: "http://h", start: { command: [srv] } }
load:
  stages: [ { rate: 10, hold: 5s, name: warm } ]
requests: [ { get: / } ]
slo: [ "target.rss.max{stage=warm} < 1GB", "http.p99{stage=warm,window=2s} < 1s" ]
)");
  EXPECT_EQ(errors_of(r), Errors{"s.yaml:6:8: stage, window and name tags scope request metrics (http, "
                                 "send_lag, a request name), not target.rss"});
}

TEST(LoadErrors, UnknownVariableAtItsColumn) {
  const auto r = load(R"(name: v
target: { base_url: "http://h" }
load: { rate: 10, duration: 5s }
requests:
  - get: /items/${sq}?x=${env:NOPE}
)");
  EXPECT_EQ(errors_of(r), (Errors{"s.yaml:5:17: unknown variable ${sq} (did you mean ${seq}?)",
                                  "s.yaml:5:25: environment variable NOPE is not set (write "
                                  "${env:NOPE:-default} to give a default)"}));
}

TEST(LoadErrors, AllErrorsAtOnceInFileOrder) {
  const auto r = load(R"(name: "bad name"
target:
  base_url: ftp://h
  strat: {}
load:
  model: arrival-rate
  think: 1s
  stages:
    - { to: 100 }
    - { hold: 0s }
    - { to: 5, over: 1s, hold: 2s }
requests:
  - { name: a, get: /a, weight: 0 }
  - { name: a, post: /b, json: {}, body: x }
  - { headers: { X: y } }
  - { get: /c, check: { status: ok, json: { status: done } } }
report: { dir: "" }
)");
  EXPECT_EQ(
      errors_of(r),
      (Errors{"s.yaml:1:7: name must be letters, digits, _ . and - (it names the report folder), "
              "not 'bad name'",
              "s.yaml:3:13: base_url must start with http:// or https://, not 'ftp://h'",
              "s.yaml:4:3: unknown key 'strat' in target (did you mean 'start'?)",
              "s.yaml:7:3: 'think' applies only to model: vus",
              "s.yaml:9:9: to: needs over: beside it (over: 0s for a jump)",
              "s.yaml:10:15: hold must be longer than 0s",
              "s.yaml:11:26: a stage either ramps (to: + over:) or holds (hold:), not both",
              "s.yaml:13:33: weight must be more than 0, not 0",
              "s.yaml:14:5: request name 'a' is used twice (first at line 13); give each request "
              "its own name:",
              "s.yaml:14:36: give either json: or body:, not both",
              "s.yaml:15:5: request has no method: give one of get:, post:, put:, patch:, "
              "delete:, head:, or method: + path:",
              "s.yaml:16:33: status must be a code (200), a list of codes ([200, 201]) or a "
              "class (2xx), not 'ok'",
              "s.yaml:16:45: 'status' is not a JSON pointer (e.g. /status or /items/0/id)",
              "s.yaml:17:16: dir is empty"}));
}

TEST(LoadErrors, MissingSectionsAndWrongShapes) {
  EXPECT_EQ(errors_of(load("name: x\n")),
            (Errors{"s.yaml:1:1: the scenario needs target: (base_url: ...)",
                    "s.yaml:1:1: the scenario needs load: (rate: and duration:, or stages:)",
                    "s.yaml:1:1: the scenario needs requests: (a list such as - get: /)"}));
  EXPECT_EQ(errors_of(load("")),
            Errors{"s.yaml: a scenario is a YAML mapping (name:, target:, load:, requests:), not "
                   "empty"});
  EXPECT_EQ(errors_of(load(R"(name: x
target: http://h
load: { rate: 1, duration: 1s }
requests: []
)")),
            (Errors{"s.yaml:2:9: target must be a mapping (key: value), not 'http://h'",
                    "s.yaml:4:11: requests is empty: give at least one request"}));
}

TEST(LoadErrors, LoadProfileShape) {
  EXPECT_EQ(errors_of(load(R"(name: x
target: { base_url: "http://h" }
load: { rate: 5 }
requests: [ { get: / } ]
)")),
            Errors{"s.yaml:3:9: rate: needs duration: beside it"});
  EXPECT_EQ(
      errors_of(load(R"(name: x
target: { base_url: "http://h" }
load: { model: vu, rate: 5, duration: 1s, stages: [ { hold: 1s } ] }
requests: [ { get: / } ]
)")),
      (Errors{"s.yaml:3:16: model must be arrival-rate or vus, not 'vu' (did you mean 'vus'?)",
              "s.yaml:3:20: give either stages: or rate: with duration:, not both",
              "s.yaml:3:29: give either stages: or rate: with duration:, not both"}));
  EXPECT_EQ(errors_of(load(R"(name: x
target: { base_url: "http://h" }
load:
  model: vus
  max_in_flight: 5
  stages: [ { rate: 5, hold: 1s }, { to: 0, over: 0s } ]
requests: [ { get: / } ]
)")),
            (Errors{"s.yaml:5:3: 'max_in_flight' applies only to model: arrival-rate",
                    "s.yaml:6:15: 'rate' applies only to model: arrival-rate (use vus:)"}));
  EXPECT_EQ(errors_of(load(R"(name: x
target: { base_url: "http://h" }
load:
  stages: [ { to: 5, over: 1s }, { to: 0, over: 0s } ]
  warmup: 1s
requests: [ { get: / } ]
)")),
            Errors{"s.yaml:5:11: warmup (1s) must be shorter than the whole load (1s)"});
  EXPECT_EQ(errors_of(load(R"(name: x
target: { base_url: "http://h" }
load:
  stages: [ { to: 5, over: 0s }, { hold: 1s, vus: 3 }, { name: x } ]
requests: [ { get: / } ]
)")),
            (Errors{"s.yaml:4:46: 'vus' applies only to model: vus (use rate:)",
                    "s.yaml:4:56: a stage needs to: + over:, hold:, or rate: + hold:"}));
  EXPECT_EQ(errors_of(load(R"(name: x
target: { base_url: "http://h" }
load:
  stages: [ { to: 5, over: 0s } ]
requests: [ { get: / } ]
)")),
            Errors{"s.yaml:4:11: the stages last 0s in total: give at least one a duration"});
}

TEST(LoadErrors, VariablesOnlyWhereTheEngineFillsThem) {
  const auto r = load(R"(name: x
target:
  base_url: http://h:${port}/${uuid}
load: { rate: 1, duration: 1s }
requests: [ { get: "/${port}" } ]
)");
  EXPECT_EQ(errors_of(r),
            (Errors{"s.yaml:3:30: ${uuid} is only filled in request paths, headers and bodies",
                    "s.yaml:5:22: ${port} is only known in target.base_url, target.start.command "
                    "and target.start.env, and in startup: its command, env, variants and tcp:"}));
  EXPECT_EQ(errors_of(load(R"(name: x
target: { base_url: "http://h:${port}" }
load: { rate: 1, duration: 1s }
requests: [ { get: / } ]
)")),
            Errors{"s.yaml:2:21: ${port} in base_url needs target.start: the port is learned "
                   "from the target loadgen starts (or give --set port=N)"});
  // A --set port binds it statically instead.
  EXPECT_TRUE(load(R"(name: x
target: { base_url: "http://h:${port}" }
load: { rate: 1, duration: 1s }
requests: [ { get: / } ]
)",
                   testing::test_options({{"port", "9000"}}))
                  .ok());
}

TEST(LoadErrors, RepeatedKeysAndReservedNames) {
  const auto r = load(R"(name: x
target: { base_url: "http://h" }
load: { rate: 1, duration: 1s }
requests:
  - name: http
    get: /
    get: /again
)");
  EXPECT_EQ(errors_of(r),
            (Errors{"s.yaml:5:11: 'http' is a metric of its own in SLOs; give the request another "
                    "name",
                    "s.yaml:7:5: key 'get' is given twice (first at line 6)"}));
}

}  // namespace
}  // namespace loadgen::scenario
