// The resource summary from synthetic samples: exact figures, no processes.
#include "probes/resource_stats.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "probes/proc_stat.hpp"

namespace loadgen::probes {
namespace {

using namespace std::chrono_literals;

ResourceSample sample(std::chrono::nanoseconds at, double cpu, int64_t rss) {
  ResourceSample s;
  s.at = at;
  s.has_cpu = at > 0ns;
  s.cpu_user = cpu * 0.75;
  s.cpu_system = cpu * 0.25;
  s.rss_bytes = rss;
  s.threads = 2;
  s.fds = 10;
  return s;
}

TEST(ResourceStats, SlopeOfALinearGrowthIsExact) {
  ResourceStats stats;
  // 1 MB more every 100 ms: 10 MB/s, 36 GB/h, on top of a 50 MB base.
  for (int i = 0; i < 30; ++i)
    stats.add(sample(i * 100ms, 0.2, 50'000'000 + i * 1'000'000));
  const auto s = stats.summary(std::nullopt);
  ASSERT_TRUE(s.rss_slope_bytes_per_hour);
  EXPECT_NEAR(*s.rss_slope_bytes_per_hour, 36e9, 36e9 * 1e-9);
  EXPECT_EQ(s.rss_start, 50'000'000);
  EXPECT_EQ(s.rss_end, 79'000'000);
  EXPECT_EQ(s.rss_max, 79'000'000);
  EXPECT_DOUBLE_EQ(s.rss_mean, 64'500'000);
  EXPECT_EQ(s.span, 2900ms);
}

TEST(ResourceStats, NoisyButFlatMemoryHasASlopeNearZero) {
  ResourceStats stats;
  for (int i = 0; i < 600; ++i) {
    stats.add(sample(i * 100ms, 0.1, 200'000'000 + (i % 2 == 0 ? 4096 : -4096)));
  }
  const auto s = stats.summary(std::nullopt);
  ASSERT_TRUE(s.rss_slope_bytes_per_hour);
  EXPECT_LT(std::abs(*s.rss_slope_bytes_per_hour), 1e6);
}

TEST(ResourceStats, TooFewOrTooShortSaysNothingAboutTheSlope) {
  ResourceStats few;
  for (int i = 0; i < 9; ++i)
    few.add(sample(i * 1s, 0, 1000 + i));
  EXPECT_FALSE(few.summary(std::nullopt).rss_slope_bytes_per_hour);
  ResourceStats brief;
  for (int i = 0; i < 20; ++i)
    brief.add(sample(i * 10ms, 0, 1000 + i));
  EXPECT_FALSE(brief.summary(std::nullopt).rss_slope_bytes_per_hour);
}

TEST(ResourceStats, StartUpGrowthBeforeTheSlopeWindowIsNotALeak) {
  // A 9-second run: 100 MB of start-up growth in the first 2 s, flat after. Over every sample
  // that read as +23 GB/h; judged from 10 s on over 30 s, a short run says "too short"
  // and a long one sees no growth.
  const auto rss_at = [](std::chrono::nanoseconds at) {
    return at < 2s ? int64_t{20'000'000} + at.count() / 20 : int64_t{120'000'000};
  };
  const SlopeWindow window{10s, 30s};
  ResourceStats brief(window);
  for (int i = 0; i <= 90; ++i) brief.add(sample(i * 100ms, 0.1, rss_at(i * 100ms)));
  const auto b = brief.summary(std::nullopt);
  EXPECT_FALSE(b.rss_slope_bytes_per_hour);
  EXPECT_EQ(b.rss_slope_note, "too short: the slope is judged over 30s or more after the first 10s, this run gave 0s");
  ResourceStats whole;  // the old rule: every sample, a second or more
  for (int i = 0; i <= 90; ++i) whole.add(sample(i * 100ms, 0.1, rss_at(i * 100ms)));
  ASSERT_TRUE(whole.summary(std::nullopt).rss_slope_bytes_per_hour);
  EXPECT_GT(*whole.summary(std::nullopt).rss_slope_bytes_per_hour, 1e10);  // +23 GB/h

  ResourceStats soak(window);
  for (int i = 0; i <= 600; ++i) soak.add(sample(i * 100ms, 0.1, rss_at(i * 100ms)));
  const auto s = soak.summary(std::nullopt);
  ASSERT_TRUE(s.rss_slope_bytes_per_hour) << s.rss_slope_note;
  EXPECT_NEAR(*s.rss_slope_bytes_per_hour, 0, 1);
  EXPECT_EQ(s.rss_slope_span, 50s);
  EXPECT_TRUE(s.rss_slope_note.empty());
  EXPECT_EQ(s.rss_start, 20'000'000);  // the extremes still cover every sample
}

TEST(ResourceStats, CpuFiguresSkipTheFirstSample) {
  ResourceStats stats;
  stats.add(sample(0ms, 9.0, 1));  // no interval before it: ignored for CPU
  for (int i = 1; i <= 100; ++i)
    stats.add(sample(i * 100ms, i / 100.0, 1));
  const auto s = stats.summary(std::nullopt);
  EXPECT_NEAR(s.cpu_avg, 0.505, 1e-9);
  EXPECT_NEAR(s.cpu_user_avg, 0.505 * 0.75, 1e-9);
  EXPECT_NEAR(s.cpu_system_avg, 0.505 * 0.25, 1e-9);
  EXPECT_DOUBLE_EQ(s.cpu_max, 1.0);
  EXPECT_NEAR(s.cpu_p95, 0.95, 0.01);  // the histogram keeps 2 significant digits
  EXPECT_NEAR(s.cpu_at_percentile(50), 0.50, 0.01);
  EXPECT_EQ(s.machine_cores, machine_cores());
  EXPECT_DOUBLE_EQ(s.cpu_avg_machine, s.cpu_avg / s.machine_cores);
  EXPECT_DOUBLE_EQ(s.cpu_max_machine, 1.0 / s.machine_cores);
  EXPECT_EQ(s.threads_max, 2);
  EXPECT_EQ(s.fds_max, 10);
  EXPECT_EQ(s.samples, 101u);
}

TEST(ResourceStats, SaturationIsJudgedAgainstTheGivenCapacity) {
  ResourceStats busy;
  for (int i = 0; i < 20; ++i)
    busy.add(sample(i * 100ms, 0.95, 1));
  EXPECT_TRUE(busy.summary(1.0).saturated);  // one engine thread, 95% of a core
  EXPECT_DOUBLE_EQ(busy.summary(1.0).capacity_cores, 1.0);
  ResourceStats half;
  for (int i = 0; i < 20; ++i)
    half.add(sample(i * 100ms, 0.5, 1));
  EXPECT_FALSE(half.summary(1.0).saturated);
  // Capacity beyond the machine is capped at the machine.
  EXPECT_DOUBLE_EQ(half.summary(1e6).capacity_cores, machine_cores());
}

TEST(ResourceStats, UncountedFdsStayUnknown) {
  ResourceStats stats;
  auto s = sample(0ms, 0, 1);
  s.fds = -1;
  stats.add(s);
  EXPECT_EQ(stats.summary(std::nullopt).fds_max, -1);
}

}  // namespace
}  // namespace loadgen::probes
