#include <thread>

#include <gtest/gtest.h>

#include "harness/http/types.hpp"
#include "probes/child_process.hpp"

namespace loadgen {
namespace {

TEST(ListeningLine, FindsThePort) {
  EXPECT_EQ(probes::parse_listening_port("listening on 127.0.0.1:8080"), 8080);
  EXPECT_EQ(probes::parse_listening_port("INFO server listening on [::1]:9001 (4 threads)"), 9001);
  EXPECT_FALSE(probes::parse_listening_port("listening on 127.0.0.1"));
  EXPECT_FALSE(probes::parse_listening_port("listening on 127.0.0.1:99999"));
  EXPECT_FALSE(probes::parse_listening_port("ready"));
}

TEST(ChildProcess, CapturesLinesAndExitStatus) {
  auto child = probes::ChildProcess::spawn({{"sh", "-c", "echo hello; echo oops >&2; exit 3"}, {}, "", ""});
  ASSERT_TRUE(child) << child.error();
  auto line = (*child)->wait_for_line([](const probes::OutputLine& l) { return l.text == "hello"; },
                                      probes::Clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(line);
  EXPECT_FALSE(line->is_stderr);
  // Let it finish on its own: stopping it now could race its last line and its exit.
  const auto deadline = probes::Clock::now() + std::chrono::seconds(10);
  while ((*child)->running() && probes::Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*child)->stop(std::chrono::seconds(5)), "exited with status 3");
  EXPECT_EQ((*child)->stderr_tail(5), std::vector<std::string>{"oops"});
}

TEST(ChildProcess, StopsAProcessThatIgnoresSigterm) {
  auto child = probes::ChildProcess::spawn({{"sh", "-c", "trap '' TERM; echo up; sleep 30"}, {}, "", ""});
  ASSERT_TRUE(child);
  ASSERT_TRUE((*child)->wait_for_line([](const auto& l) { return l.text == "up"; },
                                      probes::Clock::now() + std::chrono::seconds(10)));
  const auto how = (*child)->stop(std::chrono::milliseconds(200));
  EXPECT_NE(how.find("signal 9"), std::string::npos) << how;
}

TEST(ChildProcess, ReportsAProgramThatCannotStart) {
  auto child = probes::ChildProcess::spawn({{"/nonexistent/program"}, {}, "", ""});
  ASSERT_FALSE(child);
  EXPECT_NE(child.error().find("/nonexistent/program"), std::string::npos);
}

TEST(BaseUrl, ParsesHostPortAndPrefix) {
  http::Endpoint e;
  std::string error;
  ASSERT_TRUE(http::parse_base_url("http://127.0.0.1:8080/api/", e, error));
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 8080);
  EXPECT_EQ(e.base_path, "/api");
  EXPECT_FALSE(e.tls);
  ASSERT_TRUE(http::parse_base_url("https://[::1]", e, error));
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 443);
  EXPECT_EQ(e.host_header(), "[::1]");
  EXPECT_FALSE(http::parse_base_url("ftp://x", e, error));
  EXPECT_FALSE(http::parse_base_url("http://127.0.0.1:0", e, error));
  EXPECT_NE(error.find("port"), std::string::npos);
}

}  // namespace
}  // namespace loadgen
