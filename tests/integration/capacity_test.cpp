// Capacity search end to end: the real loadgen against test_server's /serial, whose capacity is
// exactly 1000/N requests per second (one request at a time, N ms each).


#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

class Capacity : public ::testing::Test {
 protected:
  void SetUp() override { server_ = RunningServer::start({test_server_binary(), "--port", "0"}); }

  json search(const std::string& load_and_rest, int exit_code, CommandResult* out = nullptr,
              const std::string& threads = "2") {
    const auto file = dir_.write("s.yaml", fmt::format("name: cap\ntarget: {{ base_url: \"{}\" }}\n{}",
                                                       server_->base_url(), load_and_rest));
    const auto run = run_loadgen({"run", file, "-o", dir_.file("out"), "-t", threads}, std::chrono::seconds(120));
    EXPECT_EQ(run.exit_code, exit_code) << run.stdout_text << run.stderr_text;
    if (out != nullptr) *out = run;
    return read_json(dir_.file("out/result.json"));
  }

  std::unique_ptr<RunningServer> server_;
  ScratchDir dir_{"capacity"};
};

// 20 ms per request: 50/s. Above it the queue grows by the excess every second, and p99 with
// it; at or below it every request takes 20 ms.
TEST_F(Capacity, FindsAKnownCapacityWithinItsPrecisionAndConfirmsIt) {
  CommandResult run;
  const auto r = search(R"(load:
  search: { from: 10, max: 1000, step: 1s, precision: 10%, confirm: 2s }
requests:
  - { name: work, get: "/serial?ms=20", timeout: 5s }
slo:
  - http.p99 < 50ms
  - capacity.max_rate >= 40
)",
                        0, &run);
  const auto& c = r["capacity"];
  ASSERT_TRUE(c.is_object()) << r;
  EXPECT_TRUE(c["confirmed"].get<bool>()) << c;
  const double found = c["max_rate"].get<double>();
  EXPECT_LE(found, 51.0) << c;
  EXPECT_GE(found, 50.0 / 1.1 - 1) << c;
  EXPECT_GT(c["first_failing_rate"].get<double>(), 50.0) << c;
  EXPECT_EQ(c["limited_by"], json::array({"http.p99 < 50ms"}));
  const auto& trials = c["trials"];
  ASSERT_GE(trials.size(), 5u);
  EXPECT_TRUE(trials.back()["confirm"].get<bool>());
  EXPECT_EQ(trials.back()["rate"].get<double>(), found);
  for (const auto& t : trials) {
    if (t["pass"].get<bool>()) {
      EXPECT_LE(t["p99_ms"].get<double>(), 50.0) << t;
    } else {
      EXPECT_FALSE(t["failed_slos"].empty()) << t;
    }
  }
  EXPECT_EQ(r["verdict"], "pass");
  // The console told each trial as it ended, then the answer.
  EXPECT_NE(run.stdout_text.find("capacity search: from 10/s"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("confirm "), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("  capacity   "), std::string::npos) << run.stdout_text;
  const auto summary = dir_.read("out/summary.md");
  EXPECT_NE(summary.find("### Capacity: "), std::string::npos) << summary;
  EXPECT_NE(dir_.read("out/junit.xml").find("classname=\"capacity\""), std::string::npos);
}

// A capacity SLO above what was found fails the run, though every trial's SLOs were judged.
TEST_F(Capacity, ACapacitySloAboveTheAnswerFails) {
  const auto r = search(R"(load:
  search: { from: 20, max: 200, step: 1s, precision: 20%, confirm: 1s }
requests:
  - { get: "/serial?ms=20", timeout: 5s }
slo:
  - http.p99 < 50ms
  - capacity.max_rate >= 500
)",
                        1);
  EXPECT_TRUE(r["capacity"]["confirmed"].get<bool>());
  EXPECT_FALSE(r["slo"][1]["pass"].get<bool>()) << r["slo"];
  EXPECT_EQ(r["verdict"], "fail");
}

// The generator is the limit: one request in flight at a time (one thread: max_in_flight is
// shared out by thread, at least one each) against 50 ms responses cannot go past 20/s. That is
// no capacity of the target, and the answer says so.
TEST_F(Capacity, AGeneratorLimitIsNamedAsSuch) {
  const auto r = search(R"(load:
  max_in_flight: 1
  search: { from: 5, max: 1000, step: 1s, precision: 25%, confirm: 1s }
requests:
  - { get: "/delay?ms=50", timeout: 5s }
slo:
  - http.p99 < 1s
)",
                        0, nullptr, "1");
  const auto& c = r["capacity"];
  EXPECT_EQ(c["limited_by"], json::array({"generator"})) << c;
  EXPECT_LT(c["max_rate"].get<double>(), 21.0) << c;
  EXPECT_NE(c["answer"].get<std::string>().find("loadgen could not deliver"), std::string::npos) << c["answer"];
  bool named = false;
  for (const auto& t : c["trials"]) named = named || t["generator_limited"].get<bool>();
  EXPECT_TRUE(named);
}

TEST_F(Capacity, AFirstTrialThatFailsIsBelowFrom) {
  const auto r = search(R"(load:
  search: { from: 10, max: 1000, step: 1s }
requests:
  - { get: "/delay?ms=100" }
slo:
  - http.p99 < 50ms
)",
                        1);
  const auto& c = r["capacity"];
  EXPECT_TRUE(c["below_from"].get<bool>()) << c;
  EXPECT_FALSE(c["confirmed"].get<bool>());
  EXPECT_TRUE(c["max_rate"].is_null());
  EXPECT_EQ(c["trials"].size(), 1u);
  EXPECT_EQ(c["answer"].get<std::string>().rfind("below 10/s: the first trial failed", 0), 0u) << c["answer"];
  EXPECT_EQ(r["verdict"], "fail");
}

TEST_F(Capacity, AnInterruptWritesTheTrialsSoFarAndExits130) {
  const auto file = dir_.write(
      "s.yaml", fmt::format("name: cap\ntarget: {{ base_url: \"{}\" }}\nload:\n  search: {{ from: 10, max: 100000, "
                            "step: 1s }}\nrequests:\n  - {{ get: /ok }}\nslo:\n  - http.p99 < 1s\n",
                            server_->base_url()));
  EXPECT_EQ(interrupt_loadgen({"run", file, "-o", dir_.file("out"), "-t", "2"}, std::chrono::milliseconds(2500)).exit_code,
            130);
  const auto r = read_json(dir_.file("out/result.json"));
  EXPECT_TRUE(r["interrupted"].get<bool>());
  EXPECT_GE(r["capacity"]["trials"].size(), 2u) << r["capacity"];
  EXPECT_NE(r["verdict"], "pass");
}

}  // namespace
}  // namespace loadgen::testing
