// Whether perf may be used (a pure function of what was read, for each case), then a real
// `perf record` of a busy shell, skipped where perf cannot run.
#include "probes/perf_recorder.hpp"

#include <filesystem>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "probes/proc_stat.hpp"

namespace loadgen::probes {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kPerfTestCapSysAdmin = uint64_t{1} << 21;
constexpr uint64_t kPerfTestCapPerfmon = uint64_t{1} << 38;

PerfAccess perf_test_access(std::optional<int> paranoid, uid_t euid, std::optional<uint64_t> caps) {
  return {"/usr/bin/perf", paranoid, euid, caps};
}

TEST(PerfUnavailableReason, SaysToInstallPerfWhenItIsNotOnPath) {
  auto access = perf_test_access(-1, 0, ~uint64_t{0});
  access.perf_path = "";
  EXPECT_EQ(perf_unavailable_reason(access),
            "perf is not installed or not on PATH: apt-get install linux-perf");
}

TEST(PerfUnavailableReason, PrivilegedProcessesMayProfileAtAnyParanoidLevel) {
  for (const int level : {-1, 0, 1, 2, 3, 4}) {
    EXPECT_EQ(perf_unavailable_reason(perf_test_access(level, 1000, kPerfTestCapPerfmon)), "")
        << level;
    EXPECT_EQ(perf_unavailable_reason(perf_test_access(level, 1000, kPerfTestCapSysAdmin)), "")
        << level;
    EXPECT_EQ(perf_unavailable_reason(perf_test_access(level, 0, 0x000001fffeffffffULL)), "")
        << level;
    // CapEff unreadable: root stands for the capabilities.
    EXPECT_EQ(perf_unavailable_reason(perf_test_access(level, 0, std::nullopt)), "") << level;
  }
}

TEST(PerfUnavailableReason, UnprivilegedProcessesMayProfileUpToLevelOne) {
  for (const int level : {-1, 0, 1}) {
    EXPECT_EQ(perf_unavailable_reason(perf_test_access(level, 1000, 0)), "") << level;
  }
}

TEST(PerfUnavailableReason, LevelTwoStopsAnUnprivilegedProcessAndSaysHowToAllowIt) {
  const auto reason = perf_unavailable_reason(perf_test_access(2, 1000, 0));
  EXPECT_NE(reason.find("kernel.perf_event_paranoid is 2"), std::string::npos) << reason;
  EXPECT_NE(
      reason.find("sudo sysctl kernel.perf_event_paranoid=1 (or run loadgen with CAP_PERFMON)"),
      std::string::npos)
      << reason;
  // Other capabilities (CAP_SYS_PTRACE, bit 19) do not do.
  EXPECT_EQ(perf_unavailable_reason(perf_test_access(2, 1000, uint64_t{1} << 19)), reason);
}

TEST(PerfUnavailableReason, DebiansLevelThreeAndAboveToo) {
  for (const int level : {3, 4}) {
    const auto reason = perf_unavailable_reason(perf_test_access(level, 1000, std::nullopt));
    EXPECT_NE(reason.find(fmt::format("kernel.perf_event_paranoid is {}: perf is disabled", level)),
              std::string::npos)
        << reason;
    EXPECT_NE(
        reason.find("sudo sysctl kernel.perf_event_paranoid=1 (or run loadgen with CAP_PERFMON)"),
        std::string::npos)
        << reason;
  }
}

TEST(PerfUnavailableReason, RootWithoutTheCapabilitiesIsRefusedToo) {
  // As in a container that dropped CAP_SYS_ADMIN: the kernel checks capabilities, not uid 0.
  EXPECT_NE(perf_unavailable_reason(perf_test_access(3, 0, 0x00000000a80425fbULL)), "");
}

TEST(PerfUnavailableReason, AKernelWithoutPerfEvents) {
  const auto reason = perf_unavailable_reason(perf_test_access(std::nullopt, 0, ~uint64_t{0}));
  EXPECT_NE(reason.find("perf_event_paranoid is missing"), std::string::npos) << reason;
}

TEST(ParseCapEff, ReadsTheHexBitsOfTheStatusLine) {
  EXPECT_EQ(parse_cap_eff("Name:\tcat\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
                          "CapEff:\t000001fffeffffff\nCapBnd:\t000001ffffffffff\n"),
            0x000001fffeffffffULL);
  EXPECT_EQ(parse_cap_eff("CapEff:\t0000000000000000"), 0u);
  EXPECT_EQ(parse_cap_eff("Name:\tcat\n"), std::nullopt);
  EXPECT_EQ(parse_cap_eff("CapEff:\tzz\n"), std::nullopt);
}

TEST(FindProgram, SearchesPathAndTakesPathsAsTheyAre) {
  EXPECT_EQ(find_program("sh").empty(), false);
  EXPECT_EQ(find_program("/bin/sh"), "/bin/sh");
  EXPECT_EQ(find_program("loadgen-no-such-program-anywhere"), "");
  EXPECT_EQ(find_program("/nonexistent/perf"), "");
  EXPECT_EQ(find_program("/etc/passwd"), "");  // not executable
  EXPECT_EQ(find_program(""), "");
}

std::string perf_test_data_path(const std::string& what) {
  return (std::filesystem::temp_directory_path() /
          fmt::format("loadgen-perf-{}-{}.data", what, ::getpid()))
      .string();
}

// perf on PATH and allowed here, or the reason to skip.
std::string perf_test_skip_reason() {
  return perf_unavailable_reason(find_program("perf"));
}

TEST(PerfRecorder, RefusesBadOptionsAndAStopWithoutAStart) {
  PerfRecorder recorder;
  PerfRecorder::Options options;
  options.perf = "/bin/true";
  options.data_path = perf_test_data_path("bad");
  EXPECT_NE(recorder.start(options).error().find("no pid"), std::string::npos);
  options.pids = {1};
  options.call_graph = "lbr";
  EXPECT_NE(recorder.start(options).error().find("neither fp nor dwarf"), std::string::npos);
  EXPECT_FALSE(recorder.stop());
  EXPECT_FALSE(recorder.recording());
}

TEST(PerfRecorder, ReportsPerfsOwnErrorWhenItExitsAtOnce) {
  if (const auto reason = perf_test_skip_reason(); !reason.empty())
    GTEST_SKIP() << reason;
  PerfRecorder recorder;
  PerfRecorder::Options options;
  options.pids = {2147483646};  // no such process
  options.data_path = perf_test_data_path("nopid");
  const auto begin = Clock::now();
  const auto started = recorder.start(options);
  ASSERT_FALSE(started);
  EXPECT_LT(Clock::now() - begin, 2s);
  EXPECT_NE(started.error().find("No such process"), std::string::npos) << started.error();
  EXPECT_FALSE(recorder.recording());
  std::filesystem::remove(options.data_path);
}

TEST(PerfRecorder, FoldFailsOnDataThatIsNotThere) {
  if (const auto reason = perf_test_skip_reason(); !reason.empty())
    GTEST_SKIP() << reason;
  PerfRecorder recorder;
  PerfRecorder::Options options;
  options.data_path = perf_test_data_path("missing");
  const auto folded = recorder.fold(options);
  ASSERT_FALSE(folded);
  EXPECT_NE(folded.error().find("no perf data"), std::string::npos) << folded.error();
}

TEST(PerfRecorder, RecordsABusyChildAndFoldsItsStacks) {
  if (const auto reason = perf_test_skip_reason(); !reason.empty())
    GTEST_SKIP() << reason;
  const auto begin = Clock::now();
  auto child = ChildProcess::spawn({{"/bin/sh", "-c", "while :; do :; done"}, {}, "", ""});
  ASSERT_TRUE(child) << child.error();
  PerfRecorder recorder;
  PerfRecorder::Options options;
  options.pids = {(*child)->pid()};
  options.frequency = 199;
  options.data_path = perf_test_data_path("busy");
  const auto started = recorder.start(options);
  ASSERT_TRUE(started) << started.error();
  EXPECT_TRUE(recorder.recording());
  // 0.4 s of the child's CPU time (~80 samples at 199 Hz), not of the clock: on a loaded
  // machine it gets a share of a core. The test takes ~0.8 s on an idle 2-core machine, ~1.6 s
  // with 3 other busy loops, ~2.5 s with 6.
  const auto cpu_at_start = read_proc((*child)->pid());
  ASSERT_TRUE(cpu_at_start);
  for (const auto until = Clock::now() + 1500ms; Clock::now() < until;) {
    std::this_thread::sleep_for(20ms);
    const auto now = read_proc((*child)->pid());
    if (!now || now->cpu_ns - cpu_at_start->cpu_ns >= 400'000'000)
      break;
  }
  const auto stopped = recorder.stop();
  ASSERT_TRUE(stopped) << stopped.error();
  (*child)->stop(1s);
  const auto folded = recorder.fold(options);
  std::filesystem::remove(options.data_path);
  ASSERT_TRUE(folded) << folded.error();
  RecordProperty("samples", std::to_string(folded->samples));
  EXPECT_GT(folded->samples, 20u);
  uint64_t sum = 0;
  for (const auto& [stack, count] : folded->stacks) {
    EXPECT_TRUE(stack == "sh" || stack.starts_with("sh;")) << stack;
    sum += count;
  }
  EXPECT_EQ(sum, folded->samples);
  EXPECT_FALSE(function_shares(*folded).empty());
  EXPECT_LT(Clock::now() - begin, 10s);  // a hang guard: ~0.8 s idle, ~4 s at 3.5x oversubscription
}

TEST(PerfRecorder, AnIdleTargetFoldsToNoSamples) {
  if (const auto reason = perf_test_skip_reason(); !reason.empty())
    GTEST_SKIP() << reason;
  auto child = ChildProcess::spawn({{"/bin/sleep", "30"}, {}, "", ""});
  ASSERT_TRUE(child) << child.error();
  PerfRecorder recorder;
  PerfRecorder::Options options;
  options.pids = {(*child)->pid()};
  options.data_path = perf_test_data_path("idle");
  const auto started = recorder.start(options);
  ASSERT_TRUE(started) << started.error();
  std::this_thread::sleep_for(100ms);
  const auto stopped = recorder.stop();
  ASSERT_TRUE(stopped) << stopped.error();
  (*child)->stop(1s);
  const auto folded = recorder.fold(options);
  std::filesystem::remove(options.data_path);
  ASSERT_TRUE(folded) << folded.error();
  EXPECT_EQ(folded->samples, 0u);
  EXPECT_TRUE(folded->stacks.empty());
}

}  // namespace
}  // namespace loadgen::probes
