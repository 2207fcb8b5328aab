// load.search: what it reads, and every mistake located.
#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::load;
using Errors = std::vector<std::string>;

TEST(SearchLoader, ReadsEveryKeyAndTheFirstTrialIsThePlan) {
  const auto r = load(R"(name: cap
target: { base_url: "http://127.0.0.1:8080" }
load:
  search: { from: 50, max: 20k, step: 10s, precision: 5%, confirm: 30s, growth: 1.5, warmup: 2s, cooldown: 1s }
requests: [ { get: / } ]
slo:
  - http.p99 < 200ms
  - capacity.max_rate >= 1200
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors_of(r));
  const auto& s = *r.scenario->load.search;
  EXPECT_EQ(s.from, 50);
  EXPECT_EQ(s.max, 20000);
  EXPECT_EQ(s.step, 10s);
  EXPECT_DOUBLE_EQ(s.precision, 0.05);
  EXPECT_EQ(s.confirm, 30s);
  EXPECT_EQ(s.growth, 1.5);
  EXPECT_EQ(s.warmup, 2s);
  EXPECT_EQ(s.cooldown, 1s);
  ASSERT_EQ(r.scenario->load.stages.size(), 1u);
  EXPECT_EQ(r.scenario->load.stages[0].from, 50);
  EXPECT_EQ(r.scenario->load.stages[0].duration, 10s);
}

TEST(SearchLoader, DefaultsAndTheClosedModel) {
  const auto r = load(R"(name: cap
target: { base_url: "http://127.0.0.1:8080" }
load: { model: vus, search: { from: 1, max: 200, step: 5s } }
requests: [ { get: / } ]
slo: [ "http.p99 < 200ms" ]
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors_of(r));
  const auto& s = *r.scenario->load.search;
  EXPECT_DOUBLE_EQ(s.precision, 0.05);
  EXPECT_EQ(s.confirm, 15s);  // three steps
  EXPECT_EQ(s.growth, 2);
}

TEST(SearchLoader, MistakesAreLocated) {
  const auto r = load(R"(name: cap
target: { base_url: "http://127.0.0.1:8080" }
load:
  rate: 100
  search: { from: 500, max: 100, step: 0s, precision: 150%, growth: 1, warmup: 1m, frm: 2 }
requests: [ { get: / } ]
slo: [ "http.p99 < 200ms" ]
)");
  EXPECT_EQ(errors_of(r),
            (Errors{
                "s.yaml:4:3: 'rate' does not go with search: (the search sets each trial's level and length)",
                "s.yaml:5:29: max (100) is below from (500)",
                "s.yaml:5:40: step must be longer than 0s",
                "s.yaml:5:55: precision must be above 0% and below 100%, not 150%",
                "s.yaml:5:69: growth must be above 1 (the factor between trials), not 1",
                "s.yaml:5:84: unknown key 'frm' in search (did you mean 'from'?)",
            }));
}

TEST(SearchLoader, NeedsAnSloToJudgeTrialsBy) {
  const auto r = load(R"(name: cap
target: { base_url: "http://127.0.0.1:8080" }
load:
  search: { from: 50, max: 500, step: 5s }
requests: [ { get: / } ]
slo: [ "capacity.max_rate >= 100" ]
)");
  EXPECT_EQ(errors_of(r), Errors{"s.yaml:4:11: a capacity search judges each trial by the SLOs: add slo: (e.g. "
                                 "http.p99 < 200ms)"});
}

TEST(SearchLoader, CapacitySlosNeedASearchAndStagesDoNotExistInOne) {
  const auto plain = load(R"(name: cap
target: { base_url: "http://127.0.0.1:8080" }
load: { rate: 10, duration: 5s }
requests: [ { get: / } ]
slo: [ "capacity.max_rate >= 100" ]
)");
  EXPECT_EQ(errors_of(plain), Errors{"s.yaml:5:8: capacity.* is what a capacity search finds: add search: to load"});
  const auto staged = load(R"(name: cap
target: { base_url: "http://127.0.0.1:8080" }
load: { search: { from: 5, max: 50, step: 5s } }
requests: [ { get: / } ]
slo: [ "http.p99{stage=soak} < 100ms" ]
)");
  EXPECT_EQ(errors_of(staged), Errors{"s.yaml:5:8: a capacity search's trials have no stages: judge the whole "
                                      "trial, or a window ({window=5s})"});
}

}  // namespace
}  // namespace loadgen::scenario
