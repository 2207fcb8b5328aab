#include "harness/core/units.hpp"

#include <gtest/gtest.h>

namespace loadgen::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsHumanForms) {
  EXPECT_EQ(*parse_duration("30s"), seconds(30));
  EXPECT_EQ(*parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(*parse_duration("1m30s"), seconds(90));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("2h"), seconds(7200));
  EXPECT_EQ(*parse_duration("100us"), Nanos(100'000));
  EXPECT_EQ(*parse_duration("10ns"), Nanos(10));
  EXPECT_EQ(*parse_duration(" 0 "), Nanos(0));
  EXPECT_EQ(*parse_duration("0s"), Nanos(0));
}

TEST(ParseDuration, RejectsWithAReason) {
  for (const char* bad : {"", "10", "ten seconds", "5 parsecs", "-3s", "1x", "s"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_FALSE(r.error().empty());
  }
  EXPECT_NE(parse_duration("10").error().find("needs a unit"), std::string::npos);
  EXPECT_NE(parse_duration("5d").error().find("unknown duration unit 'd'"), std::string::npos);
}

TEST(ParseRate, AcceptsSuffixesAndPerUnit) {
  EXPECT_DOUBLE_EQ(*parse_rate("500"), 500);
  EXPECT_DOUBLE_EQ(*parse_rate("1.5k"), 1500);
  EXPECT_DOUBLE_EQ(*parse_rate("2M"), 2e6);
  EXPECT_DOUBLE_EQ(*parse_rate("500/s"), 500);
  EXPECT_DOUBLE_EQ(*parse_rate("6000/m"), 100);
  EXPECT_DOUBLE_EQ(*parse_rate("1/ms"), 1000);
  EXPECT_FALSE(parse_rate("fast"));
  EXPECT_FALSE(parse_rate("10/fortnight"));
  EXPECT_FALSE(parse_rate("10x"));
}

TEST(ParseBytes, DecimalAndBinaryUnits) {
  EXPECT_DOUBLE_EQ(*parse_bytes("512"), 512);
  EXPECT_DOUBLE_EQ(*parse_bytes("10KB"), 10'000);
  EXPECT_DOUBLE_EQ(*parse_bytes("10KiB"), 10'240);
  EXPECT_DOUBLE_EQ(*parse_bytes("500MB"), 500e6);
  EXPECT_DOUBLE_EQ(*parse_bytes("1.5GiB"), 1.5 * 1073741824.0);
  EXPECT_FALSE(parse_bytes("5 apples"));
}

TEST(ParseRatio, PercentOrFraction) {
  EXPECT_DOUBLE_EQ(*parse_ratio("0.1%"), 0.001);
  EXPECT_DOUBLE_EQ(*parse_ratio("0.25"), 0.25);
  EXPECT_DOUBLE_EQ(*parse_ratio("30%"), 0.3);
  EXPECT_FALSE(parse_ratio("lots"));
}

TEST(FormatUnits, ShortAndReadable) {
  EXPECT_EQ(format_duration(Nanos(850)), "850ns");
  EXPECT_EQ(format_duration(Nanos(12'345)), "12.3us");
  EXPECT_EQ(format_duration(Nanos(4'560'000)), "4.56ms");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(seconds(150)), "2m30s");
  EXPECT_EQ(format_duration(seconds(3720)), "1h2m");
  EXPECT_EQ(format_duration(seconds(60)), "1m");
  EXPECT_EQ(format_rate(12'345), "12.3k/s");
  EXPECT_EQ(format_rate(950), "950/s");
  EXPECT_EQ(format_bytes(12.5 * 1048576), "12.5MiB");
  EXPECT_EQ(format_percent(0.0012), "0.12%");
}

}  // namespace
}  // namespace loadgen::core
