// ChildProcess's reading of a target's output, against /bin/sh scripts that print what real
// targets print: a flood of start-up lines, a line with no end, nothing at all before exiting.
#include "probes/child_process.hpp"

#include <gtest/gtest.h>

#include "probes/startup_run.hpp"

namespace loadgen::probes {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<ChildProcess> shell(const std::string& script) {
  auto child = ChildProcess::spawn({{"/bin/sh", "-c", script}, {}, "", ""});
  EXPECT_TRUE(child) << child.error();
  return child ? std::move(child).value() : nullptr;
}

bool is_listening(const OutputLine& l) { return parse_listening_port(l.text).has_value(); }

TEST(ChildProcess, ReadsPastTensOfThousandsOfLinesBeforeTheListeningLine) {
  auto child = shell("seq 1 50000; echo 'listening on 127.0.0.1:4321'; seq 1 50000; sleep 10");
  ASSERT_TRUE(child);
  const auto line = child->wait_for_line(is_listening, Clock::now() + 20s);
  ASSERT_TRUE(line) << "the listening line after 50,000 others was never read";
  EXPECT_EQ(parse_listening_port(line->text), 4321);
  child->stop(1s);
}

TEST(ChildProcess, ACursorSeesEveryLineInOrder) {
  auto child = shell("seq 1 30000");
  ASSERT_TRUE(child);
  auto cursor = child->cursor();
  long expected = 1;
  while (auto line = child->wait_for_line(cursor, [](const OutputLine&) { return true; }, Clock::now() + 20s)) {
    ASSERT_EQ(line->text, std::to_string(expected));
    ++expected;
  }
  EXPECT_EQ(expected, 30001);
}

TEST(ChildProcess, AVeryLongLineIsReadInLinearTime) {
  // 64 MB without a newline, then the line that matters. Read by rescanning what came so far
  // at every 8 KB chunk, this took minutes; read once, it takes well under a second.
  auto child = shell("head -c 67108864 /dev/zero | tr '\\000' x; echo; echo 'listening on [::1]:8080'; sleep 10");
  ASSERT_TRUE(child);
  const auto begin = Clock::now();
  const auto line = child->wait_for_line(is_listening, begin + 30s);
  ASSERT_TRUE(line);
  EXPECT_EQ(parse_listening_port(line->text), 8080);
  child->stop(1s);
}

TEST(ChildProcess, KeepsABoundedPrefixOfALongLine) {
  auto child = shell("head -c 1000000 /dev/zero | tr '\\000' y; echo");
  ASSERT_TRUE(child);
  const auto line = child->wait_for_line([](const OutputLine& l) { return l.text.starts_with("yyy"); },
                                         Clock::now() + 20s);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text.size(), 64u * 1024);
}

TEST(StartTimed, ATargetThatExitsAtOnceAlwaysSaysItsExitStatus) {
  // With only log phases, both streams closing was sometimes seen before the exit could be
  // reaped, and the failure said "closed stdout and stderr" without the status.
  StartOptions o;
  o.argv = {"/bin/sh", "-c", "echo 'no config file' >&2; exit 7"};
  // The port comes from its "listening on" line, which never comes; a log phase besides.
  o.phases = {{"listening", PhaseKind::kTcp, "${port}"}, {"ready", PhaseKind::kLog, "^ready$"}};
  o.timeout = 10s;
  o.stop_grace = 1s;
  for (int i = 0; i < 40; ++i) {
    auto start = start_timed(o, nullptr);
    ASSERT_TRUE(start) << start.error();
    EXPECT_EQ(start->exit_description, "exited with status 7") << "start " << i << ": " << start->failure;
    EXPECT_EQ(start->exit_code, 7);
    EXPECT_EQ(start->failure, "the target exited with status 7 before 'listening'");
    EXPECT_EQ(start->stderr_tail, std::vector<std::string>{"no config file"});
  }
}

TEST(StartTimed, ATargetThatClosesItsStreamsThenExitsSaysItsExitStatus) {
  // The moment between the streams closing and the exit, widened to 50 ms: the failure is the
  // exit, not "closed stdout and stderr".
  StartOptions o;
  o.argv = {"/bin/sh", "-c", "exec >&- 2>&-; sleep 0.05; exit 9"};
  o.phases = {{"listening", PhaseKind::kTcp, "${port}"}};
  o.timeout = 10s;
  o.stop_grace = 1s;
  auto start = start_timed(o, nullptr);
  ASSERT_TRUE(start) << start.error();
  EXPECT_EQ(start->failure, "the target exited with status 9 before 'listening'");
  EXPECT_EQ(start->exit_code, 9);
}

}  // namespace
}  // namespace loadgen::probes
