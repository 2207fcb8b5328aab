#include "harness/metrics/hlog.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace loadgen::metrics {
namespace {

TEST(HlogWriter, WritesTheJavaHeaderAndIntervalLines) {
  std::ostringstream out;
  HlogWriter writer(out);
  writer.write_header("[Logged with loadgen test]", 1700000000.0, 1700000000.0);
  Histogram h(1, 3'600'000'000, 3);
  for (int64_t v : {1, 1, 5, 3000}) h.record(v);
  writer.write_interval(0.0, 1.0, h);
  writer.write_interval(1.0, 1.0, h, "B");
  EXPECT_EQ(out.str(),
            "#[Logged with loadgen test]\n"
            "#[Histogram log format version 1.3]\n"
            "#[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n"
            "#[BaseTime: 1700000000.000 (seconds since epoch)]\n"
            "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
            "0.000,1.000,0.003,HISTFAAAACZ42pNpmSzMwMDAzgABzFCaEURcm7yEwf4DVISFlWm1OhMAdC0FbQ==\n"
            "Tag=B,1.000,1.000,0.003,HISTFAAAACZ42pNpmSzMwMDAzgABzFCaEURcm7yEwf4DVISFlWm1OhMAdC0FbQ==\n");
}

TEST(HlogReader, RoundTripsWhatTheWriterWrote) {
  std::stringstream io;
  HlogWriter writer(io);
  writer.write_header("[test]", 1700000100.5, 1700000100.0);
  for (int i = 0; i < 3; ++i) {
    Histogram h = Histogram::for_latency_ns();
    h.record(1'000'000 * (i + 1), 10 + i);
    writer.write_interval(i, 1.0, h, i == 1 ? "slow" : "");
  }
  auto log = read_hlog(io, "mem");
  ASSERT_TRUE(log) << log.error();
  ASSERT_EQ(log->intervals.size(), 3u);
  EXPECT_DOUBLE_EQ(*log->start_time_s, 1700000100.5);
  EXPECT_DOUBLE_EQ(*log->base_time_s, 1700000100.0);
  EXPECT_EQ(log->intervals[1].tag, "slow");
  EXPECT_EQ(log->intervals[2].histogram.total_count(), 12);
  EXPECT_DOUBLE_EQ(log->absolute_start_s(log->intervals[2]), 1700000102.0);
}

TEST(HlogReader, ReadsTheLogJavaWrote) {
  std::ifstream in(std::string(LOADGEN_TEST_DATA_DIR) + "/java-writer-3intervals.hlog");
  ASSERT_TRUE(in);
  auto log = read_hlog(in, "java-writer-3intervals.hlog");
  ASSERT_TRUE(log) << log.error();
  ASSERT_EQ(log->intervals.size(), 3u);
  EXPECT_EQ(log->intervals[2].tag, "B");
  // The first interval's max column says 50.004 ms: our decoded max must agree.
  EXPECT_NEAR(static_cast<double>(log->intervals[0].histogram.max()) / 1e6, 50.004, 0.0005);
}

TEST(HlogReader, ReadsTheGoldenLog) {
  std::ifstream in(std::string(LOADGEN_TEST_DATA_DIR) + "/golden-1-1-5-3000.hlog");
  ASSERT_TRUE(in);
  auto log = read_hlog(in, "golden");
  ASSERT_TRUE(log) << log.error();
  ASSERT_EQ(log->intervals.size(), 1u);
  const auto& h = log->intervals[0].histogram;
  EXPECT_EQ(h.total_count(), 4);
  EXPECT_EQ(h.max(), 3001);
  EXPECT_EQ(h.value_at_percentile(50), 1);
}

TEST(HlogReader, MalformedLinesNameTheirLine) {
  std::istringstream spaced(
      "#[StartTime: 1.000 (seconds since epoch), x]\n"
      "0.000, 1.000,0.003,HISTFAAAACZ42pNpmSzMwMDAzgABzFCaEURcm7yEwf4DVISFlWm1OhMAdC0FbQ==\n");
  auto r = read_hlog(spaced, "run.hlog");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("run.hlog:2:"), std::string::npos) << r.error();

  std::istringstream bad_payload("0.000,1.000,0.003,HISTFAAAA$$\n");
  r = read_hlog(bad_payload, "run.hlog");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("run.hlog:1:"), std::string::npos) << r.error();
}

TEST(HlogDate, MatchesJavaDateToString) {
  EXPECT_EQ(java_date_text(1700000000.0), "Tue Nov 14 22:13:20 UTC 2023");
  EXPECT_EQ(java_date_text(0.0), "Thu Jan 01 00:00:00 UTC 1970");
}

}  // namespace
}  // namespace loadgen::metrics
