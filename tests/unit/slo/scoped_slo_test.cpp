// Stage, window and name scopes of SLOs, fed interval by interval as a run would feed them.
#include <gtest/gtest.h>

#include "harness/run/slo_check.hpp"
#include "harness/run/slo_scopes.hpp"

namespace loadgen::run {
namespace {

constexpr int64_t kMs = 1'000'000;

// One second of a synthetic run: per name, `count` requests of which `slow` took `slow_ms`
// and the rest `fast_ms`; `errors` of them failed.
struct Second {
  std::string stage = "main";
  int64_t count = 100;
  int64_t slow = 0;
  double fast_ms = 10, slow_ms = 500;
  uint64_t errors = 0;
  double target = 100;
  bool warmup = false;
};

// Feeds seconds to a ScopedSlos and keeps the whole-run figures as the runner would.
class Feeder {
 public:
  Feeder(const std::vector<std::string>& slos, std::vector<std::string> names = {"a"})
      : names_(std::move(names)) {
    for (const auto& text : slos) {
      specs_.push_back({text, {}});
      expressions_.push_back(*slo::parse(text));
    }
    scoped_ = std::make_unique<ScopedSlos>(expressions_, names_);
    snapshot_.by_name.resize(names_.size());
    result_.model = "arrival-rate";
    scoped_->on_start(result_);
  }

  // Every name gets the same second.
  void feed(const Second& s, int times = 1) {
    for (int k = 0; k < times; ++k) {
      for (auto& n : snapshot_.by_name) {
        n.corrected.reset();
        n.corrected.record(static_cast<int64_t>(s.fast_ms * kMs), s.count - s.slow);
        if (s.slow > 0) n.corrected.record(static_cast<int64_t>(s.slow_ms * kMs), s.slow);
        n.totals.sent += static_cast<uint64_t>(s.count);
        n.totals.completed += static_cast<uint64_t>(s.count) - s.errors;
        n.totals.errors[1] += s.errors;
        if (!s.warmup) {
          result_.corrected.add(n.corrected);
          result_.measured.sent += static_cast<uint64_t>(s.count);
          result_.measured.errors += s.errors;
        }
      }
      TimelinePoint p;
      p.t_s = t_ + 1;
      p.length_s = 1;
      p.stage = s.stage;
      p.target_level = s.target;
      const IntervalView view{t_, p, snapshot_, names_, s.warmup};
      scoped_->on_interval(view);
      t_ += 1;
    }
  }

  Result finish() {
    scoped_->on_finish(result_);
    result_.target_rps = 100;
    check_slos(specs_, result_, scoped_.get());
    return result_;
  }

 private:
  std::vector<std::string> names_;
  std::vector<scenario::SloSpec> specs_;
  std::vector<slo::Expression> expressions_;
  std::unique_ptr<ScopedSlos> scoped_;
  load::IntervalSnapshot snapshot_;
  Result result_;
  double t_ = 0;
};

TEST(ScopedSlo, TenBadSecondsFailTheWindowButNotTheWholeRun) {
  Feeder f({"http.p99 < 200ms", "http.p99{window=1m} < 200ms"});
  f.feed({}, 600);
  f.feed({.slow = 100}, 10);  // ten seconds where every request takes 500 ms
  f.feed({}, 590);
  const auto r = f.finish();
  ASSERT_EQ(r.slo.size(), 2u);
  EXPECT_TRUE(r.slo[0].pass) << r.slo[0].detail;  // 10 of 1200 seconds: under 1% of requests
  EXPECT_FALSE(r.slo[1].pass) << r.slo[1].detail;
  ASSERT_TRUE(r.slo[1].window);
  const auto& w = *r.slo[1].window;
  EXPECT_NEAR(*r.slo[1].observed, 500.0 * kMs, 1.0 * kMs);
  // Every window holding a bad second has the same p99: the first of them is named.
  EXPECT_DOUBLE_EQ(w.start_s, 541);
  EXPECT_DOUBLE_EQ(w.end_s, 601);
  EXPECT_EQ(w.windows, 1200u - 60 + 1);
  // Every window holding at least one bad second (1/60 of its requests > 1%) fails: those
  // ending in seconds 601 to 669.
  EXPECT_EQ(w.failed, 69u);
  EXPECT_NE(r.slo[1].detail.find("worst window 09:01-10:01, 69 of 1141 windows failed"), std::string::npos)
      << r.slo[1].detail;
}

TEST(ScopedSlo, AllGoodWindowsPass) {
  Feeder f({"http.p99{window=10s} < 200ms", "http.error_rate{window=10s} < 1%"});
  f.feed({}, 30);
  const auto r = f.finish();
  EXPECT_TRUE(r.slo[0].pass) << r.slo[0].detail;
  EXPECT_TRUE(r.slo[1].pass) << r.slo[1].detail;
  EXPECT_EQ(r.slo[0].window->windows, 21u);
  EXPECT_EQ(r.slo[0].window->failed, 0u);
}

TEST(ScopedSlo, StageScopesHoldOverTheirStageOnly) {
  Feeder f({"http.p99{stage=spike} < 250ms", "http.p99{stage=steady} < 50ms", "http.p99 < 50ms",
            "http.error_rate{stage=spike} < 1%", "http.error_rate{stage=steady} < 1%"});
  f.feed({.stage = "steady"}, 60);
  f.feed({.stage = "spike", .slow = 50, .slow_ms = 300, .errors = 5}, 10);
  f.feed({.stage = "steady"}, 60);
  const auto r = f.finish();
  EXPECT_FALSE(r.slo[0].pass) << r.slo[0].detail;
  EXPECT_NEAR(*r.slo[0].observed, 300.0 * kMs, 1.0 * kMs);
  EXPECT_TRUE(r.slo[1].pass) << r.slo[1].detail;
  EXPECT_NEAR(*r.slo[1].observed, 10.0 * kMs, 0.1 * kMs);
  EXPECT_FALSE(r.slo[2].pass) << "the spike's 500 slow requests are 3.8% of the run";
  EXPECT_FALSE(r.slo[3].pass) << r.slo[3].detail;
  EXPECT_NEAR(*r.slo[3].observed, 0.05, 1e-9);
  EXPECT_TRUE(r.slo[4].pass) << r.slo[4].detail;
  EXPECT_FALSE(r.slo[0].window);
}

TEST(ScopedSlo, RateAgainstTargetPerStageAndWindow) {
  Feeder f({"http.rps{stage=hold} >= target", "http.rps{stage=ramp} >= target", "http.rps{window=5s} >= 45",
            "http.rps{window=5s} >= target"});
  f.feed({.stage = "ramp", .count = 50, .target = 50}, 5);
  f.feed({.stage = "hold", .count = 100, .target = 100}, 10);
  f.feed({.stage = "hold", .count = 40, .target = 100}, 3);  // the load was not delivered
  f.feed({.stage = "hold", .count = 100, .target = 100}, 10);
  const auto r = f.finish();
  EXPECT_FALSE(r.slo[0].pass) << r.slo[0].detail;  // 2120 of 2300 planned
  EXPECT_NE(r.slo[0].detail.find("threshold >= target (100/s)"), std::string::npos) << r.slo[0].detail;
  EXPECT_TRUE(r.slo[1].pass) << r.slo[1].detail;
  EXPECT_NEAR(*r.slo[1].observed, 50, 1e-9);
  EXPECT_TRUE(r.slo[2].pass) << r.slo[2].detail;  // the slowest window runs 50/s
  EXPECT_FALSE(r.slo[3].pass) << r.slo[3].detail;
  // The worst 5 s windows hold the three short seconds: 2 * 100 + 3 * 40 = 320 of 500; the
  // first of them starts at 13 s.
  EXPECT_NEAR(*r.slo[3].observed, 64, 1e-9);
  EXPECT_DOUBLE_EQ(r.slo[3].window->start_s, 13);
}

TEST(ScopedSlo, StageAndWindowCombineAndAShortStageIsOnePartialWindow) {
  Feeder f({"http.p99{stage=soak,window=5s} < 200ms", "http.p99{stage=spike,window=1m} < 400ms"});
  f.feed({.stage = "soak"}, 20);
  f.feed({.stage = "spike", .slow = 50, .slow_ms = 300}, 10);
  f.feed({.stage = "soak", .slow = 100}, 1);  // one bad soak second after the spike
  f.feed({.stage = "soak"}, 20);
  const auto r = f.finish();
  EXPECT_FALSE(r.slo[0].pass) << r.slo[0].detail;
  EXPECT_EQ(r.slo[0].window->windows, 16u + 17u) << "windows never span the spike";
  EXPECT_DOUBLE_EQ(r.slo[0].window->start_s, 30);
  EXPECT_TRUE(r.slo[1].pass) << r.slo[1].detail;
  EXPECT_TRUE(r.slo[1].window->partial);
  EXPECT_EQ(r.slo[1].window->windows, 1u);
  EXPECT_NE(r.slo[1].detail.find("(shorter than the window)"), std::string::npos) << r.slo[1].detail;
}

TEST(ScopedSlo, WarmUpIsLeftOut) {
  Feeder f({"http.p99{window=5s} < 200ms", "http.max{stage=main} < 100ms"});
  f.feed({.slow = 100, .warmup = true}, 3);
  f.feed({}, 10);
  const auto r = f.finish();
  EXPECT_TRUE(r.slo[0].pass) << r.slo[0].detail;
  EXPECT_EQ(r.slo[0].window->windows, 6u);
  EXPECT_TRUE(r.slo[1].pass) << r.slo[1].detail;
}

TEST(ScopedSlo, NameTagsAndRequestNamesPickOneName) {
  Feeder f({"http.count{name=b} == 1000", "b.count{stage=main} == 1000", "http.count{stage=main} == 2000"},
           {"a", "b"});
  f.feed({}, 10);
  const auto r = f.finish();
  for (const auto& s : r.slo) EXPECT_TRUE(s.pass) << s.expression << ": " << s.detail;
}

TEST(ScopedSlo, WithoutTheTrackerTaggedSlosHaveNoSamples) {
  Result r;
  check_slos({{"http.p99{window=1m} < 200ms", {}}}, r);
  ASSERT_EQ(r.slo.size(), 1u);
  EXPECT_FALSE(r.slo[0].pass);
  EXPECT_EQ(r.slo[0].detail, "no samples");
}

// "The load was really delivered" as a gate, on the whole run.
TEST(ScopedSlo, DeliveredLoadGates) {
  Result r;
  r.target_rps = 100;
  r.achieved_rps = 90;
  r.measured.dropped = 12;
  check_slos({{"http.rps >= target", {}}, {"http.dropped == 0", {}}, {"http.rps >= 85", {}}}, r);
  EXPECT_FALSE(r.slo[0].pass) << r.slo[0].detail;
  EXPECT_FALSE(r.slo[1].pass) << r.slo[1].detail;
  EXPECT_EQ(r.slo[1].observed_text, "12");
  EXPECT_TRUE(r.slo[2].pass) << r.slo[2].detail;
  r.slo.clear();
  r.achieved_rps = 100;
  r.measured.dropped = 0;
  check_slos({{"http.rps >= target", {}}, {"http.dropped == 0", {}}}, r);
  EXPECT_TRUE(r.slo[0].pass) << r.slo[0].detail;
  EXPECT_TRUE(r.slo[1].pass) << r.slo[1].detail;
  EXPECT_EQ(r.verdict, "pass");
}

}  // namespace
}  // namespace loadgen::run
