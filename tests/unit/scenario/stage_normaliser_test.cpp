#include "harness/scenario/stage_normaliser.hpp"

#include <gtest/gtest.h>

namespace loadgen::scenario {
namespace {

using std::chrono::seconds;
using Kind = StageStep::Kind;

StageStep step(Kind kind, double level, seconds d, std::string name = "") {
  StageStep s;
  s.kind = kind;
  s.level = level;
  s.duration = d;
  s.name = std::move(name);
  return s;
}

TEST(NormaliseStages, RampHoldSpikeRampDown) {
  const auto stages = normalise_stages(
      {step(Kind::kRamp, 500, seconds(30), "ramp"), step(Kind::kHold, 0, seconds(600), "soak"),
       step(Kind::kJump, 1000, seconds(30), "spike"), step(Kind::kRamp, 0, seconds(10))},
      0);
  ASSERT_EQ(stages.size(), 4u);
  EXPECT_EQ(stages[0].name, "ramp");
  EXPECT_EQ(stages[0].from, 0);
  EXPECT_EQ(stages[0].to, 500);
  EXPECT_EQ(stages[0].duration, seconds(30));
  EXPECT_EQ(stages[1].from, 500);
  EXPECT_EQ(stages[1].to, 500);
  EXPECT_EQ(stages[1].duration, seconds(600));
  EXPECT_EQ(stages[2].from, 1000);
  EXPECT_EQ(stages[2].to, 1000);
  EXPECT_EQ(stages[3].name, "stage 4");
  EXPECT_EQ(stages[3].from, 1000);  // ramps down from wherever the spike left it
  EXPECT_EQ(stages[3].to, 0);
}

TEST(NormaliseStages, StartLevelAndJumps) {
  const auto stages =
      normalise_stages({step(Kind::kHold, 0, seconds(5)), step(Kind::kRamp, 50, seconds(0)),
                        step(Kind::kHold, 0, seconds(5))},
                       20);
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(stages[0].name, "stage 1");
  EXPECT_EQ(stages[0].from, 20);
  EXPECT_EQ(stages[0].to, 20);
  EXPECT_EQ(stages[1].from, 20);  // over: 0s is a jump
  EXPECT_EQ(stages[1].to, 50);
  EXPECT_EQ(stages[1].duration, seconds(0));
  EXPECT_EQ(stages[2].from, 50);
  EXPECT_EQ(stages[2].name, "stage 3");
}

}  // namespace
}  // namespace loadgen::scenario
