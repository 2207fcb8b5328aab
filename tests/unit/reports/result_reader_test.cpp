// result.json -> run::Result: a round trip (write, read, write) gives the same JSON, the
// histograms come back from latency.hlog, and bad files are named in the error.
#include "reports/result_reader.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "harness/metrics/hlog.hpp"
#include "reports/hlog_report.hpp"
#include "reports/json_report.hpp"
#include "tests/tools/synthetic_run.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

// The context block describes the machine at writing time (loadgen's peak RSS grows between
// two writes), so the round trip compares everything else, and the context separately.
json without_context(json j) {
  j.erase("context");
  return j;
}

class TempDirectory {
 public:
  TempDirectory() {
    path_ = std::filesystem::temp_directory_path() /
            ("result-reader-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path_);
  }
  ~TempDirectory() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(ResultReader, RoundTripGivesIdenticalJson) {
  const auto run = testing::synthetic_run(40);
  ASSERT_TRUE(run.startup && run.resources.target && run.resources.loadgen);
  const json written = to_json(run);
  auto loaded = result_from_json_text(written.dump(2), "result.json");
  ASSERT_TRUE(loaded) << loaded.error();
  const json rewritten = to_json(loaded->result);
  EXPECT_EQ(without_context(rewritten).dump(1), without_context(written).dump(1));
  EXPECT_EQ(loaded->context, written["context"]);
}

// A re-render must show the same worst window and the same verdict against the baseline.
TEST(ResultReader, RestoresWorstWindowsAndTheBaselineComparison) {
  auto run = testing::synthetic_run(40);
  run.slo[0].window = run::SloWindow{12, 22, 31, 4, false};
  run::BaselineComparison comparison;
  comparison.file = "reports/baselines/smoke.json";
  comparison.scenario = "smoke";
  comparison.started_at = "2026-11-30T08:00:00.000Z";
  run::BaselineCheck check;
  check.scope = "http";
  check.metric = "p99";
  check.base = 10;
  check.current = 14;
  check.change = 0.4;
  check.ci_low = 0.3;
  check.ci_high = 0.5;
  check.p_value = 0.001;
  check.significant = true;
  check.tolerance = 0.15;
  check.base_seconds = 30;
  check.current_seconds = 30;
  check.verdict = "regression";
  comparison.checks.push_back(check);
  run.baseline = comparison;
  const json written = to_json(run);
  auto loaded = result_from_json_text(written.dump(2), "result.json");
  ASSERT_TRUE(loaded) << loaded.error();
  ASSERT_TRUE(loaded->result.slo[0].window);
  EXPECT_EQ(loaded->result.slo[0].window->failed, 4u);
  ASSERT_TRUE(loaded->result.baseline);
  EXPECT_TRUE(loaded->result.baseline->regression());
  EXPECT_EQ(without_context(to_json(loaded->result)).dump(1), without_context(written).dump(1));
}

TEST(ResultReader, RestoresStartupAndResourcesForReports) {
  const auto run = testing::synthetic_run(30);
  auto loaded = result_from_json(to_json(run), "result.json");
  ASSERT_TRUE(loaded) << loaded.error();
  const auto& r = loaded->result;
  ASSERT_TRUE(r.startup);
  EXPECT_TRUE(r.startup->from_startup_block);
  ASSERT_EQ(r.startup->result.variants.size(), 2u);
  const auto& staged = r.startup->result.variants[1];
  EXPECT_EQ(staged.name, "staged");
  ASSERT_EQ(staged.failed.size(), 1u);
  EXPECT_EQ(staged.failed[0].stderr_tail, run.startup->result.variants[1].failed[0].stderr_tail);
  // The phase histograms are rebuilt from the runs: same percentiles as the run had.
  const auto& ready = staged.phases[1];
  const auto& original = run.startup->result.variants[1].phases[1];
  EXPECT_EQ(ready.histogram.total_count(), original.histogram.total_count());
  EXPECT_EQ(ready.histogram.value_at_percentile(90), original.histogram.value_at_percentile(90));
  EXPECT_EQ(ready.missed, 1);
  ASSERT_TRUE(r.resources.target);
  EXPECT_EQ(r.resources.target->samples.size(), run.resources.target->samples.size());
  EXPECT_EQ(r.resources.target->samples[7].at, run.resources.target->samples[7].at);
  EXPECT_EQ(r.resources.target->samples[7].rss_bytes, run.resources.target->samples[7].rss_bytes);
  EXPECT_DOUBLE_EQ(*r.resources.target->summary.rss_slope_bytes_per_hour,
                   *run.resources.target->summary.rss_slope_bytes_per_hour);
  EXPECT_EQ(r.resources.loadgen->summary.saturated, run.resources.loadgen->summary.saturated);
}

TEST(ResultReader, AbsentSectionsStayAbsent) {
  auto run = testing::synthetic_run(5);
  run.startup.reset();
  run.resources = {};
  auto loaded = result_from_json(to_json(run), "result.json");
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_FALSE(loaded->result.startup);
  EXPECT_FALSE(loaded->result.resources.any());
  EXPECT_EQ(without_context(to_json(loaded->result)), without_context(to_json(run)));
}

TEST(ResultReader, HistogramsComeBackFromTheHlogWithoutWarmup) {
  auto run = testing::synthetic_run(10);
  run.warmup_s = 2;
  std::ostringstream log;
  metrics::HlogWriter writer(log);
  writer.write_header("test", run.start_epoch_s, run.start_epoch_s);
  auto h = [](int64_t value, int64_t count) {
    auto out = metrics::Histogram::for_latency_ns();
    out.record(value, count);
    return out;
  };
  for (int second = 0; second < 4; ++second) {
    const double start = second;
    writer.write_interval(start, 1, h(1'000'000, 10));
    writer.write_interval(start, 1, h(500'000, 10), "service");
    writer.write_interval(start, 1, h(20'000, 10), "send_lag");
    writer.write_interval(start, 1, h(1'000'000, 7), HlogReport::tag_of("list_items"));
    writer.write_interval(start, 1, h(1'000'000, 3), HlogReport::tag_of("submit <job>"));
  }
  run::Result r = run;
  r.corrected.reset();
  r.service.reset();
  r.send_lag_histogram.reset();
  for (auto& n : r.by_name) {
    n.corrected.reset();
    n.service.reset();
  }
  std::istringstream in(log.str());
  auto added = add_histograms_from_hlog(in, "latency.hlog", r);
  ASSERT_TRUE(added) << added.error();
  EXPECT_EQ(r.corrected.total_count(), 20) << "seconds 2 and 3 only: 0 and 1 are warm-up";
  EXPECT_EQ(r.service.total_count(), 20);
  EXPECT_EQ(r.send_lag_histogram.total_count(), 20);
  EXPECT_EQ(r.by_name[0].corrected.total_count(), 14);
  EXPECT_EQ(r.by_name[1].corrected.total_count(), 6) << "the tag of a name with a space";
}

TEST(ResultReader, MissingResultIsAnErrorNamingTheFile) {
  TempDirectory dir;
  auto loaded = read_run(dir.path());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find(dir.file("result.json")), std::string::npos) << loaded.error();
}

TEST(ResultReader, CorruptResultIsAnErrorNamingTheFile) {
  TempDirectory dir;
  std::ofstream(dir.file("result.json")) << "{\"scenario\": \"x\", \"timeline\": [";
  auto loaded = read_run(dir.path());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find(dir.file("result.json") + ": not valid JSON"), std::string::npos)
      << loaded.error();
}

TEST(ResultReader, WrongShapeIsAnErrorNamingTheField) {
  auto loaded =
      result_from_json_text(R"({"scenario": "x", "timeline": [], "duration_s": "long"})", "r.json");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("r.json: field 'duration_s'"), std::string::npos) << loaded.error();
  auto other = result_from_json_text(R"([1, 2])", "r.json");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().find("not a loadgen result"), std::string::npos) << other.error();
}

TEST(ResultReader, ReadsADirectoryWithItsHlog) {
  TempDirectory dir;
  const auto run = testing::synthetic_run(6);
  write_result_json(run, dir.file("result.json"));
  {
    std::ofstream out(dir.file("latency.hlog"));
    metrics::HlogWriter writer(out);
    writer.write_header("test", run.start_epoch_s, run.start_epoch_s);
    writer.write_interval(0, 6, run.corrected);
    writer.write_interval(0, 6, run.by_name[0].corrected, "list_items");
  }
  auto loaded = read_run(dir.path());
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_TRUE(loaded->has_hlog);
  EXPECT_EQ(loaded->result.report_dir, dir.path());
  EXPECT_EQ(loaded->result.corrected.total_count(), run.corrected.total_count());
  EXPECT_EQ(loaded->result.by_name[0].corrected.value_at_percentile(99),
            run.by_name[0].corrected.value_at_percentile(99));
  std::ofstream(dir.file("latency.hlog")) << "not an hlog line\n";
  auto bad = read_run(dir.path());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find(dir.file("latency.hlog")), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace loadgen::reports
