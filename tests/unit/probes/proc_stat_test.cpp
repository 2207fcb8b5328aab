#include "probes/proc_stat.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace loadgen::probes {
namespace {

TEST(ProcStat, ParsesUserAndSystemTicks) {
  const auto f = parse_proc_stat(
      "4242 (my server) S 1 4242 4242 0 -1 4194560 1200 0 3 0 731 129 0 0 20 0 9 0 5551 "
      "1000000 2500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, 'S');
  EXPECT_EQ(f->user_ticks, 731u);
  EXPECT_EQ(f->system_ticks, 129u);
}

TEST(ProcStat, ACommandNameMayHoldParenthesesAndSpaces) {
  const auto f = parse_proc_stat("7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 15 16 0 0 20 0 1 0 1 1 1");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, 'R');
  EXPECT_EQ(f->user_ticks, 15u);
  EXPECT_EQ(f->system_ticks, 16u);
  EXPECT_FALSE(parse_proc_stat("7 (x) R 1 2"));
  EXPECT_FALSE(parse_proc_stat("garbage"));
}

TEST(ProcStat, ParsesRssAndThreadsFromStatus) {
  const auto f = parse_proc_status(
      "Name:\tserver\nVmPeak:\t  90000 kB\nVmRSS:\t   51200 kB\nRssAnon:\t 40000 kB\n"
      "Threads:\t12\n");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rss_bytes, 51200 * 1024);
  EXPECT_EQ(f->threads, 12);
  // A zombie's status has no VmRSS: nothing to sample.
  EXPECT_FALSE(parse_proc_status("Name:\tserver\nState:\tZ (zombie)\nThreads:\t1\n"));
}

TEST(ProcStat, ReadsThisProcess) {
  const auto s = read_proc(::getpid());
  ASSERT_TRUE(s);
  EXPECT_GT(s->rss_bytes, 1'000'000);
  EXPECT_GE(s->threads, 1);
  EXPECT_GE(s->fds, 3);
  EXPECT_GT(clock_ticks_per_second(), 0);
  EXPECT_GE(machine_cores(), 1);
}

class PidFile : public ::testing::Test {
 protected:
  std::string write(const std::string& content) {
    std::ofstream(path_) << content;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_ =
      (std::filesystem::temp_directory_path() / fmt::format("loadgen-pidfile-test-{}", ::getpid()))
          .string();
};

TEST_F(PidFile, ReadsARunningProcess) {
  const auto pid = read_pid_file(write(fmt::format("{}\n", ::getpid())));
  ASSERT_TRUE(pid) << pid.error();
  EXPECT_EQ(*pid, ::getpid());
}

TEST_F(PidFile, SaysWhatIsWrong) {
  const auto garbage = read_pid_file(write("nginx\n"));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error(),
            fmt::format("pid file {} does not hold a process id ('nginx')", path_));
  const auto gone = read_pid_file(write("999999999\n"));
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().find("which is not running"), std::string::npos) << gone.error();
  std::filesystem::remove(path_);
  const auto missing = read_pid_file(path_);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("cannot read pid file"), std::string::npos);
}

}  // namespace
}  // namespace loadgen::probes
