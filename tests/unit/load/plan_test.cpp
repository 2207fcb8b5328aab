#include "harness/load/plan.hpp"

#include <gtest/gtest.h>

namespace loadgen::load {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Plan ramp_hold_down() {
  return Plan({{"ramp", 0, 100, seconds(10)}, {"hold", 100, 100, seconds(20)}, {"down", 100, 0, seconds(10)}});
}

TEST(Plan, LevelIsPiecewiseLinear) {
  const auto p = ramp_hold_down();
  EXPECT_EQ(p.duration(), seconds(40));
  EXPECT_DOUBLE_EQ(p.level_at(seconds(0)), 0);
  EXPECT_DOUBLE_EQ(p.level_at(seconds(5)), 50);
  EXPECT_DOUBLE_EQ(p.level_at(seconds(15)), 100);
  EXPECT_DOUBLE_EQ(p.level_at(seconds(35)), 50);
  EXPECT_DOUBLE_EQ(p.level_at(seconds(40)), 0);
}

TEST(Plan, CumulativeIsTheAreaUnderTheLevel) {
  const auto p = ramp_hold_down();
  EXPECT_DOUBLE_EQ(p.cumulative(seconds(10)), 500);
  EXPECT_DOUBLE_EQ(p.cumulative(seconds(30)), 2500);
  EXPECT_DOUBLE_EQ(p.total(), 3000);
  EXPECT_NEAR(p.cumulative(seconds(35)), 2500 + 375, 1e-9);
}

TEST(Plan, TimeOfInvertsCumulativeEverywhere) {
  const auto p = ramp_hold_down();
  for (double n = 0; n < p.total(); n += 7.3) {
    const auto t = p.time_of(n);
    ASSERT_TRUE(t) << n;
    EXPECT_NEAR(p.cumulative(*t), n, 1e-3) << "n=" << n;
  }
  EXPECT_FALSE(p.time_of(p.total() + 1));
  EXPECT_FALSE(p.time_of(-1));
}

TEST(Plan, ConstantRateSpacesRequestsEvenly) {
  const Plan p({{"soak", 1000, 1000, seconds(2)}});
  EXPECT_EQ(*p.time_of(0), milliseconds(0));
  EXPECT_EQ(*p.time_of(1), milliseconds(1));
  EXPECT_EQ(*p.time_of(1500), milliseconds(1500));
}

TEST(Plan, SpikeIsAZeroLengthJumpThenAHold) {
  const Plan p({{"base", 10, 10, seconds(5)}, {"jump", 10, 200, seconds(0)}, {"spike", 200, 200, seconds(2)},
                {"back", 10, 10, seconds(5)}});
  EXPECT_DOUBLE_EQ(p.level_at(milliseconds(4999)), 10);
  EXPECT_DOUBLE_EQ(p.level_at(seconds(5)), 200);
  EXPECT_EQ(p.stages()[p.stage_at(seconds(6))].name, "spike");
  EXPECT_EQ(p.stages()[p.stage_at(seconds(8))].name, "back");
  EXPECT_DOUBLE_EQ(p.total(), 50 + 400 + 50);
  EXPECT_DOUBLE_EQ(p.max_level(), 200);
}

TEST(Plan, DescribeListsEveryStage) {
  const auto text = ramp_hold_down().describe(false);
  EXPECT_NE(text.find("ramp"), std::string::npos);
  EXPECT_NE(text.find("0 -> 100/s"), std::string::npos);
  EXPECT_NE(text.find("2000 requests"), std::string::npos);
}

// A plan of exactly N requests sends N: request i is due when the integral reaches i, for
// i below the total (1/s for 1 s used to send two).
TEST(Plan, RequestCountIsTheIntegralExactly) {
  EXPECT_EQ(Plan({{"one", 1, 1, seconds(1)}}).request_count(), 1u);
  EXPECT_EQ(Plan({{"hold", 300, 300, seconds(10)}}).request_count(), 3000u);
  EXPECT_EQ(ramp_hold_down().request_count(), 3000u);
  EXPECT_EQ(Plan({{"zero", 0, 0, seconds(2)}}).request_count(), 0u);
  EXPECT_EQ(Plan({{"ramp", 0, 5, seconds(1)}}).request_count(), 3u);  // 2.5 rounds up: 0, 1, 2
  // Ten stages of 0.1 s at 10/s sum to 9.999999999999998 in floating point: still ten.
  std::vector<PlanStage> tenths;
  for (int i = 0; i < 10; ++i) tenths.push_back({"s", 10, 10, milliseconds(100)});
  EXPECT_EQ(Plan(tenths).request_count(), 10u);
  // Thirds: 3 stages of 1/3 s at 3/s.
  std::vector<PlanStage> thirds(3, PlanStage{"t", 3, 3, std::chrono::nanoseconds(333333333)});
  EXPECT_EQ(Plan(thirds).request_count(), 3u);
}

TEST(Plan, EveryCountedRequestHasATime) {
  for (const auto& p : {ramp_hold_down(), Plan({{"one", 1, 1, seconds(1)}}), Plan({{"ramp", 0, 5, seconds(1)}})}) {
    const auto n = p.request_count();
    ASSERT_GT(n, 0u);
    EXPECT_TRUE(p.time_of(static_cast<double>(n - 1)));
  }
}

}  // namespace
}  // namespace loadgen::load
