#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using std::chrono::seconds;
using testing::errors_of;
using testing::load;
using testing::loaded;
using testing::test_options;
using Errors = std::vector<std::string>;

constexpr std::string_view kStaged = R"(name: staged
target:
  base_url: http://127.0.0.1:8080
load:
  stages:
    - { to: 100, over: 10s }
    - { hold: 1m }
requests:
  - { name: home, get: / }
  - { name: items, get: /items, weight: 2 }
)";

TEST(SetOverrides, ReplacesScalarsByPath) {
  const auto s = loaded(kStaged, test_options({{"target.base_url", "http://127.0.0.1:9000"},
                                               {"load.stages.1.hold", "5s"},
                                               {"requests.1.weight", "7"},
                                               {"name", "other"}}));
  EXPECT_EQ(s.target.base_url.text(), "http://127.0.0.1:9000");
  EXPECT_EQ(s.load.stages[1].duration, seconds(5));
  EXPECT_EQ(s.requests[1].weight, 7);
  EXPECT_EQ(s.name, "other");
  EXPECT_EQ(s.report_dir, "reports/out/other");
}

TEST(SetOverrides, LaterValuesWin) {
  const auto s =
      loaded(kStaged, test_options({{"load.stages.0.to", "5"}, {"load.stages.0.to", "7"}}));
  EXPECT_EQ(s.load.stages[0].to, 7);
}

TEST(SetOverrides, AddsAMissingKeyUnderAnExistingMapping) {
  const auto s =
      loaded(kStaged, test_options({{"load.max_in_flight", "50"}, {"requests.0.timeout", "2s"}}));
  EXPECT_EQ(s.load.max_in_flight, 50);
  EXPECT_EQ(s.requests[0].timeout, seconds(2));
}

TEST(SetOverrides, AnAddedKeyIsValidatedLikeAnyOther) {
  const auto r = load(kStaged, test_options({{"load.max_inflight", "50"}}));
  EXPECT_EQ(errors_of(r), Errors{"--set load.max_inflight: unknown key 'max_inflight' in load "
                                 "(did you mean 'max_in_flight'?)"});
}

TEST(SetOverrides, BadValuesNameTheSet) {
  const auto r = load(kStaged, test_options({{"load.stages.1.hold", "soon"}}));
  EXPECT_EQ(errors_of(r), Errors{"--set load.stages.1.hold: hold: 'soon' is not a duration (e.g. "
                                 "250ms, 30s, 1m30s)"});
  const auto empty = load(kStaged, test_options({{"load.stages.1.hold", ""}}));
  EXPECT_EQ(errors_of(empty), Errors{"--set load.stages.1.hold: hold has no value"});
}

TEST(SetOverrides, PathsThatDoNotResolve) {
  const auto r = load(kStaged, test_options({{"report.dir", "x"},
                                             {"load.stages.5.hold", "1s"},
                                             {"load.stages.x.hold", "1s"},
                                             {"load.stages", "3"},
                                             {"name.first", "x"},
                                             {"load..rate", "1"},
                                             {"target.start.port", "1"}}));
  EXPECT_EQ(errors_of(r),
            (Errors{"--set report.dir: there is no 'report' in the scenario",
                    "--set load.stages.5.hold: index 5 is out of range: load.stages has 2 items",
                    "--set load.stages.x.hold: load.stages is a list: 'x' is not an index",
                    "--set load.stages: load.stages is a list; --set replaces single values (e.g. "
                    "load.stages.0.hold)",
                    "--set name.first: name is 'staged', not a mapping or a list",
                    "--set load..rate: 'load..rate' is not a dotted path such as load.rate",
                    "--set target.start.port: there is no 'start' in target"}));
}

TEST(SetOverrides, ErrorsComeBeforeFileErrors) {
  const auto r = load(R"(name: x
target: { base_url: "http://h" }
load: { rate: 1, duration: 1s, warmup: 5 }
requests: [ { get: / } ]
)",
                      test_options({{"load.rate", "lots"}}));
  EXPECT_EQ(errors_of(r),
            (Errors{"--set load.rate: rate: 'lots' is not a rate (e.g. 500, 1.5k, 6000/m)",
                    "s.yaml:3:40: warmup: duration '5' needs a unit (ns, us, ms, s, m, h)"}));
}

TEST(SetOverrides, AKeyTheDocumentUsesAsAVariableIsOnlyAVariable) {
  const auto s = loaded(R"(name: x
target: { base_url: "http://${host}:8080" }
load: { rate: "${rate}", duration: 1s }
requests: [ { get: / } ]
)",
                        test_options({{"rate", "42"}, {"host", "10.1.1.1"}}));
  EXPECT_EQ(s.load.stages[0].to, 42);
  EXPECT_EQ(s.target.base_url.literal_text(), "http://10.1.1.1:8080");
  EXPECT_EQ(s.resolved_yaml.find("\nrate:"), std::string::npos) << s.resolved_yaml;
}

TEST(SetOverrides, ValuesAreYamlScalars) {
  const auto s = loaded(
      kStaged, test_options({{"requests.0.get", "'/quoted?a=1'"}, {"requests.1.get", "/x: y"}}));
  EXPECT_EQ(s.requests[0].path.literal_text(), "/quoted?a=1");
  EXPECT_EQ(s.requests[1].path.literal_text(), "/x: y");  // not YAML on its own: kept as text
}

}  // namespace
}  // namespace loadgen::scenario
