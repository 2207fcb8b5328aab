// The capacity search's choice of levels against simulated targets whose capacity is known:
// no load is sent, so every sequence is exact.
#include "harness/run/capacity_search.hpp"

#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

namespace loadgen::run {
namespace {

using namespace std::chrono_literals;

scenario::SearchSpec spec(double from, double max, double precision) {
  scenario::SearchSpec s;
  s.from = from;
  s.max = max;
  s.step = 10s;
  s.precision = precision;
  s.confirm = 30s;
  return s;
}

struct Outcome {
  bool pass = false;
  bool generator = false;
};

// Runs the search to its end against `target`; returns the levels tried, in order.
std::vector<CapacitySearch::Trial> drive(CapacitySearch& search,
                                         const std::function<Outcome(const CapacitySearch::Trial&)>& target) {
  std::vector<CapacitySearch::Trial> trials;
  while (auto t = search.next()) {
    trials.push_back(*t);
    const auto o = target(*t);
    search.record(*t, o.pass, o.generator);
    if (trials.size() > 100) break;  // a search that never ends fails below
  }
  return trials;
}

TEST(CapacitySearch, FindsAKnownCapacityWithinItsPrecisionAndConfirmsIt) {
  for (const double capacity : {73.0, 100.0, 1234.0, 19999.0}) {
    for (const double precision : {0.2, 0.05, 0.01}) {
      SCOPED_TRACE(testing::Message() << "capacity " << capacity << ", precision " << precision);
      CapacitySearch search(spec(50, 20000, precision), false);
      const auto trials = drive(search, [&](const auto& t) { return Outcome{t.level <= capacity}; });
      ASSERT_LT(trials.size(), 40u);
      ASSERT_TRUE(search.confirmed());
      const double found = *search.confirmed();
      EXPECT_LE(found, capacity);
      // Within the precision of the answer, and (rounding to 3 figures) a hair more.
      EXPECT_GE(found, capacity / (1 + precision) * 0.99);
      EXPECT_TRUE(trials.back().confirm);
      EXPECT_EQ(trials.back().level, found);
      // Every level reported has passed a trial before it was confirmed.
      int confirms = 0;
      for (const auto& t : trials) confirms += t.confirm ? 1 : 0;
      EXPECT_EQ(confirms, 1);
      ASSERT_TRUE(search.lowest_fail());
      EXPECT_GT(*search.lowest_fail(), capacity);
      EXPECT_LE((*search.lowest_fail() - found) / found, precision + 0.011);
    }
  }
}

TEST(CapacitySearch, GrowsByTheFactorThenBisects) {
  auto s = spec(50, 20000, 0.05);
  s.growth = 2;
  CapacitySearch search(s, false);
  const auto trials = drive(search, [](const auto& t) { return Outcome{t.level <= 300}; });
  std::vector<double> levels;
  for (const auto& t : trials) levels.push_back(t.level);
  // 50, 100, 200, 400 (fails), then halves of [200, 400]: 300, 350, 325, 312, then confirm.
  ASSERT_GE(levels.size(), 5u);
  EXPECT_EQ((std::vector<double>{50, 100, 200, 400, 300}), std::vector<double>(levels.begin(), levels.begin() + 5));
  EXPECT_EQ(*search.confirmed(), 300);
}

TEST(CapacitySearch, AFirstTrialThatFailsIsBelowFrom) {
  CapacitySearch search(spec(50, 20000, 0.05), false);
  const auto trials = drive(search, [](const auto&) { return Outcome{false}; });
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].level, 50);
  EXPECT_TRUE(search.below_from());
  EXPECT_FALSE(search.confirmed());
  EXPECT_TRUE(search.done());
}

TEST(CapacitySearch, EveryTrialPassingStopsAtMax) {
  CapacitySearch search(spec(50, 1000, 0.05), false);
  const auto trials = drive(search, [](const auto&) { return Outcome{true}; });
  EXPECT_EQ(trials.back().level, 1000);
  EXPECT_TRUE(trials.back().confirm);
  EXPECT_EQ(*search.confirmed(), 1000);
  EXPECT_TRUE(search.reached_max());
  EXPECT_FALSE(search.lowest_fail());
  for (const auto& t : trials) EXPECT_LE(t.level, 1000);
}

TEST(CapacitySearch, AFailedConfirmStepsDownToTheNextPassingLevel) {
  // Short trials pass up to 300, but only 200 holds for the confirm length (a slow leak).
  CapacitySearch search(spec(50, 20000, 0.05), false);
  const auto trials = drive(search, [](const CapacitySearch::Trial& t) {
    return Outcome{t.confirm ? t.level <= 200 : t.level <= 300};
  });
  ASSERT_TRUE(search.confirmed());
  EXPECT_EQ(*search.confirmed(), 200);
  int confirms = 0;
  for (const auto& t : trials) confirms += t.confirm ? 1 : 0;
  EXPECT_GE(confirms, 2);
  EXPECT_LE(*search.lowest_fail(), 300 * 1.05);
}

TEST(CapacitySearch, ConfirmsAreBounded) {
  CapacitySearch search(spec(50, 20000, 0.05), false);
  const auto trials = drive(search, [](const CapacitySearch::Trial& t) { return Outcome{!t.confirm && t.level <= 800}; });
  int confirms = 0;
  for (const auto& t : trials) confirms += t.confirm ? 1 : 0;
  EXPECT_EQ(confirms, CapacitySearch::kMaxConfirms);
  EXPECT_FALSE(search.confirmed());
  EXPECT_TRUE(search.done());
}

TEST(CapacitySearch, AGeneratorLimitIsRemembered) {
  CapacitySearch search(spec(100, 100000, 0.1), false);
  drive(search, [](const auto& t) { return Outcome{t.level <= 5000, t.level > 5000}; });
  ASSERT_TRUE(search.confirmed());
  EXPECT_LE(*search.confirmed(), 5000);
  EXPECT_TRUE(search.lowest_fail_was_generator());
}

TEST(CapacitySearch, UsersAreWholeAndTheBracketClosesToOne) {
  CapacitySearch search(spec(1, 500, 0.01), true);
  const auto trials = drive(search, [](const auto& t) { return Outcome{t.level <= 37}; });
  for (const auto& t : trials) EXPECT_EQ(t.level, std::round(t.level));
  EXPECT_EQ(*search.confirmed(), 37);
  EXPECT_EQ(*search.lowest_fail(), 38);
}

}  // namespace
}  // namespace loadgen::run
