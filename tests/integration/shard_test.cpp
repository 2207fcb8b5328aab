// Sharded runs end to end, a Kubernetes Indexed Job simulated: four `loadgen run --shards 4`
// processes with JOB_COMPLETION_INDEX 0..3 and one --start-at against test_server, then
// `loadgen merge`.
#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "probes/child_process.hpp"
#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

class Shards : public ::testing::Test {
 protected:
  void SetUp() override { server_ = RunningServer::start({test_server_binary(), "--port", "0"}); }

  std::string scenario(const std::string& name, const std::string& rest) {
    return dir_.write(name, fmt::format("name: sharded\ntarget: {{ base_url: \"{}\" }}\n{}", server_->base_url(), rest));
  }

  // Starts `count` shards at once as an Indexed Job would (the index in JOB_COMPLETION_INDEX),
  // all told to begin at the same moment; returns their exit codes.
  std::vector<int> run_shards(const std::string& file, int count, const std::string& prefix,
                              std::vector<std::string> extra = {}) {
    const auto start_at = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count() + 2;
    std::vector<std::unique_ptr<probes::ChildProcess>> children;
    for (int i = 0; i < count; ++i) {
      std::vector<std::string> argv{loadgen_binary(), "run", file, "--shards", std::to_string(count),
                                    "--start-at", std::to_string(start_at), "-q", "-t", "1",
                                    "-o", dir_.file(fmt::format("{}{}", prefix, i))};
      argv.insert(argv.end(), extra.begin(), extra.end());
      auto child = probes::ChildProcess::spawn(
          {argv, {{"JOB_COMPLETION_INDEX", std::to_string(i)}}, dir_.file(fmt::format("{}{}.out", prefix, i)), ""});
      if (!child) throw std::runtime_error(child.error());
      children.push_back(std::move(child).value());
    }
    std::vector<int> codes;
    const auto deadline = probes::Clock::now() + std::chrono::seconds(60);
    for (auto& c : children) {
      while (c->running() && probes::Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      c->stop(std::chrono::seconds(2));
      codes.push_back(c->exit_code().value_or(-1));
    }
    return codes;
  }

  std::unique_ptr<RunningServer> server_;
  ScratchDir dir_{"shards"};
};

uint64_t at(const json& j, const char* a, const char* b) { return j.at(a).at(b).get<uint64_t>(); }

TEST_F(Shards, FourShardsSendTheSinglePlanAndTheMergeJudgesTheWhole) {
  // 1,200 requests in all: no shard alone reaches the count SLO, the four together do.
  const auto file = scenario("s.yaml", R"(load: { rate: 400, duration: 3s }
requests:
  - { name: a, get: "/ok?shard=${shard}-of-${shards}", weight: 3 }
  - { name: b, get: "/ok" }
slo:
  - http.count >= 1150
  - http.error_rate < 1%
  - http.p99 < 2s
)");
  const auto codes = run_shards(file, 4, "shard");
  EXPECT_EQ(codes, (std::vector<int>{0, 0, 0, 0}));
  uint64_t scheduled = 0, completed = 0, a_count = 0;
  for (int i = 0; i < 4; ++i) {
    const auto r = read_json(dir_.file(fmt::format("shard{}/result.json", i)));
    EXPECT_EQ(r["verdict"], "shard") << r["verdict_reasons"];
    EXPECT_EQ(r["shard"]["index"], i);
    EXPECT_EQ(r["shard"]["count"], 4);
    EXPECT_LT(r["shard"]["start_late_s"].get<double>(), 1.0);
    EXPECT_EQ(r["start_epoch_s"], read_json(dir_.file("shard0/result.json"))["start_epoch_s"]);
    EXPECT_EQ(at(r, "requests", "scheduled"), 300u) << "arrivals i, i+4, i+8 ... of 1,200";
    scheduled += at(r, "requests", "scheduled");
    completed += at(r, "requests", "completed");
    a_count += r.at("by_name").at("a").at("latency_ms").at("count").get<uint64_t>();
  }
  EXPECT_EQ(scheduled, 1200u) << "the shards together send exactly the single run's plan";

  const auto merge = run_loadgen({"merge", dir_.file("shard2"), dir_.file("shard0"), dir_.file("shard3"),
                                  dir_.file("shard1"), "-o", dir_.file("merged")});
  EXPECT_EQ(merge.exit_code, 0) << merge.stdout_text << merge.stderr_text;
  const auto m = read_json(dir_.file("merged/result.json"));
  EXPECT_EQ(m["verdict"], "pass") << m["slo"];
  EXPECT_EQ(at(m, "requests", "scheduled"), 1200u);
  EXPECT_EQ(at(m, "requests", "completed"), completed) << "the merged counts are the shards' sums";
  EXPECT_EQ(m["latency_ms"]["count"].get<uint64_t>(), completed);
  EXPECT_GT(a_count, 0u);
  EXPECT_EQ(m.at("by_name").at("a").at("latency_ms").at("count").get<uint64_t>(), a_count);
  ASSERT_EQ(m["slo"].size(), 3u);
  EXPECT_EQ(m["slo"][0]["expr"], "http.count >= 1150");
  EXPECT_TRUE(m["slo"][0]["pass"].get<bool>()) << m["slo"][0];
  ASSERT_EQ(m["shards"].size(), 4u);
  EXPECT_EQ(m["shards"][1]["index"], 1);
  EXPECT_GT(m["shards"][1]["loadgen_rss_max_bytes"].get<int64_t>(), 0) << "each shard's own resources stay visible";
  EXPECT_GE(m["shards"][1]["loadgen_cpu_avg"].get<double>(), 0.0);
  EXPECT_GE(m["timeline"].size(), 3u);
  std::ifstream hlog(dir_.file("merged/latency.hlog"));
  EXPECT_TRUE(hlog.good());
  for (const char* f : {"report.html", "junit.xml", "summary.md"}) {
    EXPECT_TRUE(std::ifstream(dir_.file(std::string("merged/") + f)).good()) << f;
  }

  // A missing shard, a shard given twice, shards of another scenario: refused, named.
  auto refused = run_loadgen({"merge", dir_.file("shard0"), dir_.file("shard1"), dir_.file("shard3"), "-o",
                              dir_.file("m2")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.stderr_text.find("shard 2 of 4 is missing"), std::string::npos) << refused.stderr_text;
  refused = run_loadgen({"merge", dir_.file("shard0"), dir_.file("shard1"), dir_.file("shard1"), dir_.file("shard2"),
                         dir_.file("shard3"), "-o", dir_.file("m2")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.stderr_text.find("shard 1 of 4 is given twice"), std::string::npos) << refused.stderr_text;

  const auto other = scenario("other.yaml", "load: { rate: 100, duration: 1s }\nrequests:\n  - { name: a, get: /ok }\n  - { name: b, get: /ok }\n");
  EXPECT_EQ(run_shards(other, 4, "other"), (std::vector<int>{0, 0, 0, 0}));
  refused = run_loadgen({"merge", dir_.file("shard0"), dir_.file("other1"), dir_.file("shard2"), dir_.file("shard3"),
                         "-o", dir_.file("m2")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.stderr_text.find("are not shards of one run"), std::string::npos) << refused.stderr_text;
}

TEST_F(Shards, TheMergeFailsAnSloTheWholeMisses) {
  const auto file = scenario("s.yaml", R"(load: { rate: 200, duration: 2s }
requests:
  - { name: a, get: "/ok" }
slo:
  - http.count >= 500
)");
  EXPECT_EQ(run_shards(file, 2, "shard"), (std::vector<int>{0, 0}));
  const auto merge = run_loadgen({"merge", dir_.file("shard0"), dir_.file("shard1"), "-o", dir_.file("merged")});
  EXPECT_EQ(merge.exit_code, 1) << merge.stdout_text << merge.stderr_text;
  const auto m = read_json(dir_.file("merged/result.json"));
  EXPECT_EQ(at(m, "requests", "scheduled"), 400u);
  EXPECT_EQ(m["verdict"], "fail");
}

TEST_F(Shards, ClosedModelUsersAreSharedOut) {
  const auto file = scenario("s.yaml", R"(load: { model: vus, vus: 6, duration: 2s, think: 100ms }
requests:
  - { name: a, get: "/ok" }
)");
  EXPECT_EQ(run_shards(file, 3, "shard"), (std::vector<int>{0, 0, 0}));
  for (int i = 0; i < 3; ++i) {
    const auto r = read_json(dir_.file(fmt::format("shard{}/result.json", i)));
    int64_t users = 0;
    for (const auto& p : r["timeline"]) users = std::max(users, p["users"].get<int64_t>());
    EXPECT_EQ(users, 2) << "six users over three shards";
  }
  const auto merge = run_loadgen({"merge", dir_.file("shard0"), dir_.file("shard1"), dir_.file("shard2"), "-o",
                                  dir_.file("merged")});
  EXPECT_EQ(merge.exit_code, 0) << merge.stderr_text;
  const auto merged = read_json(dir_.file("merged/result.json"));
  int64_t users = 0;
  for (const auto& p : merged["timeline"]) users = std::max(users, p["users"].get<int64_t>());
  EXPECT_EQ(users, 6) << merged["timeline"];
}

TEST_F(Shards, BadShardFlagsAreRefusedByName) {
  const auto file = scenario("s.yaml", "load: { rate: 10, duration: 1s }\nrequests:\n  - { name: a, get: /ok }\n");
  auto r = run_loadgen({"run", file, "--shard", "4/4", "-q", "-o", dir_.file("x")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.stderr_text.find("the shard index must be 0..3"), std::string::npos) << r.stderr_text;
  r = run_loadgen({"run", file, "--shards", "4", "-q", "-o", dir_.file("x")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.stderr_text.find("JOB_COMPLETION_INDEX"), std::string::npos) << r.stderr_text;
  r = run_loadgen({"run", file, "--start-at", "tomorrow", "-q", "-o", dir_.file("x")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.stderr_text.find("--start-at"), std::string::npos) << r.stderr_text;
}

}  // namespace
}  // namespace loadgen::testing
