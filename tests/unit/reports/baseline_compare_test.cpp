// compare_runs on result.json documents built by hand: which seconds count, per-name
// checks, notes, verdicts.
#include "reports/baselines/compare.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "reports/baselines/run_file.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

// A run of `seconds` one-second intervals at 100 requests each, one name "a", whose p50 is
// `p50(i)`; 2 s of warm-up at 900 ms and a drain interval at 900 ms around it.
template <typename F>
json run_json(const std::string& scenario, int seconds, F p50, uint64_t errors_per_second = 0) {
  json timeline = json::array();
  json t = json::array(), count = json::array(), errors = json::array(), p50s = json::array(), p99s = json::array();
  const int warmup = 2;
  for (int i = 0; i < warmup + seconds + 1; ++i) {
    const bool measured = i >= warmup && i < warmup + seconds;
    const double v = measured ? p50(i - warmup) : 900.0;
    timeline.push_back({{"t_s", i + 1.0}, {"length_s", 1.0}, {"rps", 100.0}, {"errors", errors_per_second},
                        {"p50_ms", v}, {"p99_ms", v * 1.5}});
    t.push_back(i + 1.0);
    count.push_back(100);
    errors.push_back(errors_per_second);
    p50s.push_back(v);
    p99s.push_back(v * 1.5);
  }
  json columns = {{"t_s", t}, {"count", count}, {"errors", errors}, {"p50_ms", p50s}, {"p99_ms", p99s}};
  json by_name = json::object();
  by_name["a"]["timeline"] = columns;
  return {{"scenario", scenario},
          {"started_at", "2026-11-30T08:00:00.000Z"},
          {"warmup_s", 2.0},
          {"planned_duration_s", 2.0 + seconds},
          {"throughput", {{"target_rps", 100.0}}},
          {"timeline", timeline},
          {"by_name", by_name}};
}

const run::BaselineCheck& find(const run::BaselineComparison& c, const std::string& scope, const std::string& metric) {
  for (const auto& check : c.checks) {
    if (check.scope == scope && check.metric == metric) return check;
  }
  throw std::runtime_error("no check " + scope + "." + metric);
}

double wobble(int i) { return 20.0 + (i % 5) * 0.2; }

TEST(BaselineCompare, OnlyMeasuredSecondsCountAndSameRunsPass) {
  const auto base = run_json("s", 20, wobble);
  const auto c = compare_runs(base, base, slo::Tolerances::defaults(), "base.json");
  EXPECT_FALSE(c.regression());
  EXPECT_TRUE(c.notes.empty());
  ASSERT_EQ(c.checks.size(), 8u);  // http and a, four metrics each
  const auto& p50 = find(c, "http", "p50");
  EXPECT_EQ(p50.base_seconds, 20u) << "warm-up and the drain interval are left out";
  EXPECT_NEAR(*p50.base, 20.4, 1e-9);
  EXPECT_EQ(p50.verdict, "ok");
  EXPECT_DOUBLE_EQ(p50.change, 0.0);
}

TEST(BaselineCompare, ASlowdownBeyondToleranceIsARegressionPerName) {
  const auto base = run_json("s", 20, wobble);
  const auto slow = run_json("s", 20, [](int i) { return wobble(i) * 1.3; });
  const auto c = compare_runs(base, slow, slo::Tolerances::defaults(), "base.json");
  EXPECT_TRUE(c.regression());
  const auto& p50 = find(c, "a", "p50");
  EXPECT_EQ(p50.verdict, "regression");
  EXPECT_NEAR(p50.change, 0.30, 1e-9);
  EXPECT_LE(p50.ci_low, 0.30);
  EXPECT_GE(p50.ci_high, 0.30);
  EXPECT_EQ(find(c, "a", "rps").verdict, "ok");
  // Within a wider tolerance it passes; faster is an improvement, never a failure.
  auto wide = slo::parse_tolerances("p50=50%,p99=50%", slo::Tolerances::defaults());
  EXPECT_FALSE(compare_runs(base, slow, *wide, "base.json").regression());
  const auto faster = compare_runs(slow, base, slo::Tolerances::defaults(), "slow.json");
  EXPECT_FALSE(faster.regression());
  EXPECT_EQ(find(faster, "http", "p50").verdict, "improved");
}

TEST(BaselineCompare, BeyondToleranceButNotSignificantIsNoise) {
  // Two noisy runs whose medians differ by 12% while their seconds overlap widely.
  const auto base = run_json("s", 6, [](int i) { return i % 2 ? 10.0 : 40.0; });
  const auto current = run_json("s", 6, [](int i) { return i % 2 ? 12.0 : 44.0; });
  const auto c = compare_runs(base, current, slo::Tolerances::defaults(), "base.json");
  const auto& p50 = find(c, "http", "p50");
  EXPECT_GT(p50.change, 0.10);
  EXPECT_FALSE(p50.significant);
  EXPECT_EQ(p50.verdict, "noise");
  EXPECT_FALSE(c.regression());
}

TEST(BaselineCompare, ErrorRatesAreComparedInPercentagePoints) {
  const auto base = run_json("s", 10, wobble);
  const auto failing = run_json("s", 10, wobble, 2);  // 2%
  const auto c = compare_runs(base, failing, slo::Tolerances::defaults(), "base.json");
  const auto& e = find(c, "http", "error_rate");
  EXPECT_FALSE(e.relative);
  EXPECT_NEAR(e.change, 0.02, 1e-12);
  EXPECT_EQ(e.verdict, "regression");
}

TEST(BaselineCompare, NotesAndTooFewSeconds) {
  auto base = run_json("old", 2, wobble);
  auto current = run_json("new", 2, wobble);
  current["throughput"]["target_rps"] = 200.0;
  current["by_name"]["b"] = current["by_name"]["a"];
  const auto c = compare_runs(base, current, slo::Tolerances::defaults(), "base.json");
  EXPECT_EQ(find(c, "http", "p50").verdict, "no data");
  EXPECT_FALSE(c.regression());
  EXPECT_EQ(c.notes, (std::vector<std::string>{"the baseline is of scenario 'old', this run of 'new'",
                                               "the planned rate differs: 100/s in the baseline, 200/s now",
                                               "request 'b' has no baseline"}));
}

// Two capacity searches: the confirmed figures are compared, and a drop is a regression only
// when the new search saw a level fail that the old one had confirmed.
TEST(BaselineCompare, CapacitiesOfTwoSearches) {
  auto base = run_json("cap", 10, [](int) { return 10.0; });
  base["capacity"] = {{"max_rate", 1000.0}, {"first_failing_rate", 1050.0}};
  const auto with = [&](double found, double first_fail) {
    auto r = base;
    r["capacity"] = {{"max_rate", found}, {"first_failing_rate", first_fail}};
    return r;
  };
  const auto find = [](const run::BaselineComparison& c) {
    for (const auto& check : c.checks) {
      if (check.scope == "capacity") return check;
    }
    ADD_FAILURE() << "no capacity check";
    return run::BaselineCheck{};
  };
  const auto same = find(compare_runs(base, with(980, 1030), slo::Tolerances::defaults(), "b.json"));
  EXPECT_EQ(same.verdict, "ok");
  EXPECT_NEAR(same.change, -0.02, 1e-12);
  const auto lower = compare_runs(base, with(700, 750), slo::Tolerances::defaults(), "b.json");
  EXPECT_EQ(find(lower).verdict, "regression");
  EXPECT_TRUE(lower.regression());
  // 700 confirmed, but the old 1000 was never tried (the search stopped at max 800): noise.
  auto capped = with(700, 0);
  capped["capacity"]["first_failing_rate"] = nullptr;
  EXPECT_EQ(find(compare_runs(base, capped, slo::Tolerances::defaults(), "b.json")).verdict, "noise");
  EXPECT_EQ(find(compare_runs(base, with(1500, 1600), slo::Tolerances::defaults(), "b.json")).verdict, "improved");
  auto none = with(0, 0);
  none["capacity"]["max_rate"] = nullptr;
  EXPECT_EQ(find(compare_runs(base, none, slo::Tolerances::defaults(), "b.json")).verdict, "no data");
  // A saved baseline keeps the section.
  EXPECT_TRUE(baseline_of(base, "r.json", "now").contains("capacity"));
  auto loose = slo::parse_tolerances("capacity=40%", slo::Tolerances::defaults());
  ASSERT_TRUE(loose) << loose.error();
  EXPECT_EQ(find(compare_runs(base, with(700, 750), *loose, "b.json")).verdict, "ok");
}

TEST(BaselineFile, KeepsWhatComparisonsNeed) {
  const auto run = run_json("s", 20, wobble);
  auto full = run;
  full["scenario_yaml"] = "name: s\n";
  full["timeline"][0]["service_p50_ms"] = 1.0;
  const auto b = baseline_of(full, "reports/out/s", "2026-11-30T09:00:00Z");
  EXPECT_FALSE(b.contains("scenario_yaml"));
  EXPECT_FALSE(b["timeline"][0].contains("service_p50_ms"));
  EXPECT_EQ(b["baseline_of"]["source"], "reports/out/s");
  const auto c = compare_runs(b, run, slo::Tolerances::defaults(), "b.json");
  EXPECT_EQ(c.checks.size(), 8u);
  EXPECT_EQ(find(c, "a", "p99").verdict, "ok");
}

// `--baseline nightly` finds what `loadgen baseline save DIR --as nightly` wrote.
TEST(BaselineFile, ABareNameIsASavedBaseline) {
  const auto old_cwd = std::filesystem::current_path();
  const auto dir = std::filesystem::temp_directory_path() / ("lg-baseline-name-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / kDefaultBaselineDir);
  std::filesystem::current_path(dir);
  {
    std::ofstream out(std::string(kDefaultBaselineDir) + "/nightly.json");
    out << baseline_of(run_json("s", 5, wobble), "reports/out/s", "2026-11-30T09:00:00Z").dump();
  }
  const auto found = read_run_json("nightly");
  const auto missing = read_run_json("weekly");
  std::filesystem::current_path(old_cwd);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(found) << found.error();
  EXPECT_EQ((*found)["scenario"], "s");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("weekly"), std::string::npos) << missing.error();
}

}  // namespace
}  // namespace loadgen::reports
