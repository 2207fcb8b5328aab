// The startup probe against probe_target, whose phases come at known delays and which prints
// its own CLOCK_MONOTONIC time of each: what was detected is compared with what happened.
#include "probes/startup_probe.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness/core/units.hpp"
#include "tests/unit/probes/probe_target.hpp"

namespace loadgen::probes {
namespace {

using namespace std::chrono_literals;
using testing::probe_target;

// Detection is within a millisecond of the truth on a quiet machine. This one is shared with
// other work, which can hold any thread (the target's, or loadgen's reader) back for a while:
// the median must stay close, single runs get more slack.
constexpr auto kTolerance = 5ms;
constexpr auto kWorstTolerance = 50ms;

std::vector<PhaseProbe> four_phases() {
  return {{"listening", PhaseKind::kTcp, "${port}"},
          {"ready", PhaseKind::kHttp, "/up"},
          {"full", PhaseKind::kHttp, "/up/full"},
          {"log", PhaseKind::kLog, "^migrations done$"}};
}

StartupOptions staged(std::vector<std::string> extra = {}) {
  StartupOptions o;
  o.argv = {probe_target(), "--port",        "${port}", "--listen-after", "40ms", "--log-after",
            "60ms",         "--ready-after", "80ms",    "--full-after",   "120ms"};
  o.argv.insert(o.argv.end(), extra.begin(), extra.end());
  o.phases = four_phases();
  o.runs = 5;
  o.timeout = 10s;
  o.stop_grace = 2s;
  return o;
}

std::string failures(const VariantRuns& v) {
  std::string text;
  for (const auto& f : v.failed)
    text += fmt::format("run {}: {}\n", f.run, f.reason);
  return text;
}

std::string ms(std::chrono::nanoseconds d) {
  return core::format_duration(d);
}

TEST(StartupProbe, PhaseTimesMatchWhatTheTargetReports) {
  auto options = staged();
  options.runs = 10;
  const auto result = run_startup_probe(options, nullptr);
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->variants.size(), 1u);
  const auto& v = result->variants[0];
  EXPECT_EQ(v.name, "");
  EXPECT_EQ(v.runs, 10);
  ASSERT_TRUE(v.failed.empty()) << failures(v);
  const std::map<std::string, std::chrono::nanoseconds> delay = {
      {"listening", 40ms}, {"log", 60ms}, {"ready", 80ms}, {"full", 120ms}};
  for (const auto& phase : v.phases) {
    SCOPED_TRACE(phase.name);
    EXPECT_EQ(phase.histogram.total_count(), 10);
    EXPECT_EQ(phase.missed, 0);
    ASSERT_EQ(phase.per_run.size(), 10u);
    for (const auto& after : phase.per_run) {
      ASSERT_TRUE(after);
      EXPECT_GE(*after, delay.at(phase.name));  // from the spawn, so exec time comes on top
    }
    ASSERT_EQ(phase.detection_errors.size(), 10u);
    const auto summary = summarize_detection_errors(phase.detection_errors);
    ASSERT_TRUE(summary);
    std::cout << fmt::format("[ detection ] {:<9} median {:>8}  worst {:>8}  over {} runs\n",
                             phase.name, ms(summary->median), ms(summary->max_abs),
                             summary->samples);
    EXPECT_LT(std::chrono::abs(summary->median), kTolerance) << ms(summary->median);
    EXPECT_LT(summary->max_abs, kWorstTolerance) << ms(summary->max_abs);
    ::testing::Test::RecordProperty(phase.name + "_median_detection_error_ns",
                                    std::to_string(summary->median.count()));
  }
}

TEST(StartupProbe, ATargetThatExitsFailsTheRunWithItsStderr) {
  auto o = staged({"--exit-after", "100ms", "--exit-code", "3", "--stderr", "boom: no config",
                   "--stderr", "giving up"});
  o.argv[8] = "5s";  // --ready-after: never, it exits first
  o.phases = {{"listening", PhaseKind::kTcp, "${port}"}, {"ready", PhaseKind::kHttp, "/up"}};
  o.runs = 2;
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  const auto& v = result->variants[0];
  EXPECT_EQ(v.runs, 2);
  ASSERT_EQ(v.failed.size(), 2u);  // the second run went on after the first failed
  for (int run = 0; run < 2; ++run) {
    const auto& f = v.failed[static_cast<size_t>(run)];
    EXPECT_EQ(f.run, run);
    EXPECT_EQ(f.phase, "ready");
    EXPECT_EQ(f.exit_description, "exited with status 3");
    EXPECT_EQ(f.exit_code, 3);
    EXPECT_EQ(f.reason, "the target exited with status 3 before 'ready'");
    EXPECT_EQ(f.stderr_tail, (std::vector<std::string>{"boom: no config", "giving up"}));
  }
  EXPECT_EQ(v.phases[0].missed, 0);  // it did listen
  EXPECT_EQ(v.phases[0].histogram.total_count(), 2);
  EXPECT_EQ(v.phases[1].missed, 2);
  EXPECT_TRUE(v.phases[1].histogram.empty());
}

TEST(StartupProbe, ATargetKilledByASignalSaysWhichSignal) {
  StartupOptions o;
  o.argv = {probe_target(), "--port", "${port}", "--exit-after", "50ms", "--exit-signal", "6"};
  o.phases = {{"ready", PhaseKind::kHttp, "/up"}};
  o.runs = 1;
  o.timeout = 5s;
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->variants[0].failed.size(), 1u);
  const auto& f = result->variants[0].failed[0];
  EXPECT_NE(f.exit_description.find("killed by signal 6"), std::string::npos) << f.exit_description;
  EXPECT_FALSE(f.exit_code);
}

TEST(StartupProbe, APhaseThatNeverComesTimesOutAndTheRunsGoOn) {
  auto o = staged();
  o.argv[8] = "1h";   // --ready-after
  o.argv[10] = "1h";  // --full-after
  o.runs = 2;
  o.timeout = 300ms;
  const auto begin = Clock::now();
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  EXPECT_LT(Clock::now() - begin, 5s);
  const auto& v = result->variants[0];
  ASSERT_EQ(v.failed.size(), 2u);
  EXPECT_EQ(v.failed[0].phase, "ready");
  EXPECT_EQ(v.failed[0].reason, "'ready' did not arrive within 300ms");
  EXPECT_EQ(v.failed[0].exit_description, "");  // loadgen stopped it; it did not end by itself
  EXPECT_EQ(v.phases[0].histogram.total_count(), 2);  // listening still counted
  EXPECT_EQ(v.phases[3].histogram.total_count(), 2);  // and the log line
  EXPECT_EQ(v.phases[2].missed, 2);
}

TEST(StartupProbe, LearnsThePortFromTheListeningLine) {
  StartupOptions o;
  o.argv = {probe_target(), "--port", "0", "--listen-after", "30ms", "--ready-after", "50ms"};
  o.phases = {{"listening", PhaseKind::kTcp, "${port}"}, {"ready", PhaseKind::kHttp, "/up"}};
  o.runs = 2;
  o.timeout = 10s;
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  const auto& v = result->variants[0];
  ASSERT_TRUE(v.failed.empty()) << failures(v);
  EXPECT_EQ(v.phases[1].histogram.total_count(), 2);
  EXPECT_GE(v.phases[1].histogram.min(), 50'000'000);
}

TEST(StartupProbe, BeforeEachRunsBeforeEveryStart) {
  const auto marker =
      std::filesystem::temp_directory_path() / fmt::format("loadgen-before-each-{}", ::getpid());
  std::filesystem::remove(marker);
  auto o = staged();
  o.before_each = {"sh", "-c", "echo run >> '" + marker.string() + "'"};
  o.runs = 3;
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  EXPECT_TRUE(result->variants[0].failed.empty()) << failures(result->variants[0]);
  std::ifstream in(marker);
  int lines = 0;
  for (std::string line; std::getline(in, line);)
    ++lines;
  EXPECT_EQ(lines, 3);
  std::filesystem::remove(marker);
}

TEST(StartupProbe, AFailingBeforeEachFailsThatRun) {
  auto o = staged();
  o.before_each = {"sh", "-c", "echo 'cannot remove db' >&2; exit 4"};
  o.runs = 2;
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  const auto& v = result->variants[0];
  ASSERT_EQ(v.failed.size(), 2u);
  EXPECT_EQ(v.failed[0].phase, "listening");
  EXPECT_EQ(v.failed[0].reason,
            "before_each (sh -c echo 'cannot remove db' >&2; exit 4) exited with status 4");
  EXPECT_EQ(v.failed[0].stderr_tail, std::vector<std::string>{"cannot remove db"});
  EXPECT_EQ(v.phases[1].missed, 2);
}

TEST(StartupProbe, AProgramThatCannotStartFailsEachRun) {
  StartupOptions o;
  o.argv = {"/nonexistent/server"};
  o.phases = {{"ready", PhaseKind::kHttp, "/up"}};
  o.runs = 2;
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->variants[0].failed.size(), 2u);
  EXPECT_NE(result->variants[0].failed[0].reason.find("cannot start '/nonexistent/server'"),
            std::string::npos);
}

TEST(StartupProbe, VariantsAlternateAndCanBeCompared) {
  StartupOptions o;
  o.argv = {probe_target(), "--port", "${port}"};
  o.phases = {{"ready", PhaseKind::kHttp, "/up"}};
  o.variants = {{"sequential", {"--ready-after", "250ms"}, {}},
                {"staged", {"--ready-after", "50ms"}, {}}};
  o.runs = 2;
  o.timeout = 10s;
  const auto result = run_startup_probe(o, nullptr);
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->variants.size(), 2u);
  const auto& sequential = result->variants[0];
  const auto& staged_runs = result->variants[1];
  EXPECT_EQ(sequential.name, "sequential");
  EXPECT_EQ(staged_runs.name, "staged");
  EXPECT_TRUE(sequential.failed.empty()) << failures(sequential);
  EXPECT_TRUE(staged_runs.failed.empty()) << failures(staged_runs);
  EXPECT_EQ(sequential.runs, 2);
  EXPECT_EQ(staged_runs.runs, 2);
  const auto slow = sequential.phases[0].histogram.value_at_percentile(50);
  const auto fast = staged_runs.phases[0].histogram.value_at_percentile(50);
  EXPECT_GE(slow, 250'000'000);
  EXPECT_GT(slow - fast, 150'000'000);
}

TEST(StartupProbe, AnInterruptStopsTheRunInProgress) {
  auto o = staged();
  o.argv[8] = "1h";
  o.timeout = 60s;
  std::atomic<bool> interrupted{false};
  std::thread interrupter([&] {
    std::this_thread::sleep_for(300ms);
    interrupted = true;
  });
  const auto begin = Clock::now();
  const auto result = run_startup_probe(o, &interrupted);
  interrupter.join();
  ASSERT_TRUE(result) << result.error();
  EXPECT_LT(Clock::now() - begin, 10s);
  EXPECT_TRUE(result->interrupted);
  EXPECT_EQ(result->variants[0].runs, 0);  // the cut-short run is not counted as failed
  EXPECT_TRUE(result->variants[0].failed.empty());
}

TEST(StartTimed, LeavesTheTargetRunningWithItsPhaseTimes) {
  StartOptions o;
  o.argv = {probe_target(), "--port", "${port}", "--ready-after", "30ms"};
  o.phases = {{"listening", PhaseKind::kTcp, "${port}"}, {"ready", PhaseKind::kHttp, "/up"}};
  o.timeout = 10s;
  auto start = start_timed(o, nullptr);
  ASSERT_TRUE(start) << start.error();
  auto timed = std::move(start).value();
  ASSERT_TRUE(timed.ok()) << timed.failure;
  EXPECT_TRUE(timed.process->running());
  EXPECT_GT(timed.port, 0);
  EXPECT_EQ(timed.argv[2], std::to_string(timed.port));
  ASSERT_EQ(timed.phase_after.size(), 2u);
  EXPECT_LE(*timed.phase_after[0], *timed.phase_after[1]);
  EXPECT_TRUE(timed.detection_error[1]);
  timed.process->stop(2s);
}

TEST(StartupOptionsCheck, ListsEveryProblem) {
  StartupOptions o;
  o.argv = {"server"};
  o.runs = 0;
  o.phases = {{"a", PhaseKind::kTcp, "http"},
              {"b", PhaseKind::kHttp, "up"},
              {"c", PhaseKind::kLog, "([unclosed"},
              {"a", PhaseKind::kTcp, "8080"}};
  o.variants = {{"x", {}, {}}, {"x", {}, {}}};
  const auto problems = check_startup_options(o);
  ASSERT_EQ(problems.size(), 6u) << fmt::format("{}", fmt::join(problems, "\n"));
  EXPECT_EQ(problems[0], "tcp phase 'a': 'http' is not a port (1-65535) or ${port}");
  EXPECT_EQ(problems[1], "http phase 'b': 'up' is not a path starting with '/'");
  EXPECT_TRUE(problems[2].starts_with("log phase 'c': '([unclosed' is not a regex")) << problems[2];
  EXPECT_EQ(problems[3], "phase 'a' is given twice");
  EXPECT_EQ(problems[4], "runs must be at least 1, not 0");
  EXPECT_EQ(problems[5], "variant 'x' is given twice");
  EXPECT_FALSE(run_startup_probe(o, nullptr));
}

TEST(PhaseMark, ReadsTheTargetsOwnTime) {
  EXPECT_EQ(parse_phase_mark("loadgen-phase ready 123456789", "ready"),
            Clock::time_point(std::chrono::nanoseconds(123456789)));
  EXPECT_FALSE(parse_phase_mark("loadgen-phase ready 123456789", "rea"));
  EXPECT_FALSE(parse_phase_mark("loadgen-phase ready-2 5", "ready"));
  EXPECT_FALSE(parse_phase_mark("loadgen-phase ready x", "ready"));
  EXPECT_FALSE(parse_phase_mark("phase ready 5", "ready"));
}

TEST(DetectionErrors, MedianAndWorst) {
  using std::chrono::nanoseconds;
  EXPECT_FALSE(summarize_detection_errors({}));
  const std::vector<nanoseconds> errors = {nanoseconds(300), nanoseconds(-900), nanoseconds(100),
                                           nanoseconds(500)};
  const auto s = summarize_detection_errors(errors);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->samples, 4u);
  EXPECT_EQ(s->median, nanoseconds(200));
  EXPECT_EQ(s->max_abs, nanoseconds(900));
}

}  // namespace
}  // namespace loadgen::probes
