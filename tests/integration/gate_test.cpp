// The CI gate with the real loadgen binary against the real test server on 127.0.0.1:
// warm-up left out of SLOs, window SLOs in result.json, baselines saved and compared, a
// real slowdown caught and an unchanged rerun let through.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

std::string gate_scenario(const std::string& base_url, const std::string& load, const std::string& slo = "") {
  return fmt::format("name: gate\ntarget:\n  base_url: {}\nload:\n{}\nrequests:\n  - {{ name: ok, get: /ok }}\n{}",
                     base_url, load, slo.empty() ? "" : "slo:\n" + slo);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The server holds every answer of its first 1.5 s: warm-up must hide that from the SLOs,
// and the charted timeline must still show it.
TEST(Gate, WarmUpIsLeftOutOfSlosButCharted) {
  auto server = RunningServer::start(
      {test_server_binary(), "--port", "0", "--stall-every", "1000000", "--stall-for", "1500"});
  ScratchDir dir("warmup");
  const auto file = dir.write("s.yaml", gate_scenario(server->base_url(), "  rate: 200\n  duration: 4s\n  warmup: 2s\n",
                                                 "  - http.p99 < 200ms\n  - http.p99{window=2s} < 200ms\n"));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  double worst_p99 = 0;
  for (const auto& p : r["timeline"]) worst_p99 = std::max(worst_p99, p["p99_ms"].get<double>());
  EXPECT_GT(worst_p99, 500) << "the stall is charted";
  EXPECT_GE(r["slo"][1]["worst_window"]["windows"].get<int>(), 1) << r["slo"][1].dump();
  EXPECT_EQ(r["slo"][1]["worst_window"]["failed"].get<int>(), 0) << r["slo"][1].dump();

  // The same run judged from time zero fails both, and names the first window as the worst.
  auto server2 = RunningServer::start(
      {test_server_binary(), "--port", "0", "--stall-every", "1000000", "--stall-for", "1500"});
  const auto file2 = dir.write("s2.yaml", gate_scenario(server2->base_url(), "  rate: 200\n  duration: 4s\n",
                                                   "  - http.p99 < 200ms\n  - http.p99{window=2s} < 200ms\n"));
  const auto cold = run_loadgen({"run", file2, "-o", dir.file("cold"), "--threads", "1"});
  EXPECT_EQ(cold.exit_code, 1) << cold.stdout_text << cold.stderr_text;
  const auto c = read_json(dir.file("cold/result.json"));
  EXPECT_FALSE(c["slo"][1]["pass"].get<bool>());
  EXPECT_EQ(c["slo"][1]["worst_window"]["start_s"].get<double>(), 0.0) << c["slo"][1].dump();
  EXPECT_NE(c["slo"][1]["detail"].get<std::string>().find("worst window 00:00-00:02"), std::string::npos)
      << c["slo"][1].dump();
}

void run_against(const ScratchDir& dir, const std::string& delay, const std::string& out,
                 const std::vector<std::string>& extra = {}, int expected_exit = 0) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--delay", delay});
  const auto file = dir.write(out + ".yaml", gate_scenario(server->base_url(), "  rate: 100\n  duration: 4s\n"));
  std::vector<std::string> args = {"run", file, "-o", dir.file(out), "--threads", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto run = run_loadgen(args);
  EXPECT_EQ(run.exit_code, expected_exit) << run.stdout_text << run.stderr_text;
}

// Short runs against servers that answer after 100 ms, 100 ms again, and 200 ms (one process:
// ctest runs each test on its own, and the runs are what takes time).
TEST(Gate, CompareCatchesARealSlowdownAndNotAnUnchangedRerun) {
  ScratchDir dir("compare");
  // A 100 ms floor keeps a loaded machine's jitter (10 ms and more at the tail on this
  // shared 2-core box) inside the tolerances, as a real service's own latency would.
  run_against(dir, "100", "base");
  run_against(dir, "100", "rerun");
  run_against(dir, "200", "slow");

  const auto same = run_loadgen({"compare", dir.file("base"), dir.file("rerun")});
  EXPECT_EQ(same.exit_code, 0) << same.stdout_text << same.stderr_text;
  EXPECT_NE(same.stdout_text.find("no regression beyond tolerance"), std::string::npos) << same.stdout_text;

  const auto slow = run_loadgen({"compare", dir.file("base"), dir.file("slow") + "/result.json"});
  EXPECT_EQ(slow.exit_code, 1) << slow.stdout_text << slow.stderr_text;
  EXPECT_NE(slow.stdout_text.find("http.p50"), std::string::npos) << slow.stdout_text;
  EXPECT_NE(slow.stdout_text.find("REGRESSION"), std::string::npos) << slow.stdout_text;
  const auto j = run_loadgen({"compare", dir.file("base"), dir.file("slow"), "--format", "json"});
  bool ok_p50_regressed = false;
  const auto parsed = json::parse(j.stdout_text);
  for (const auto& check : parsed["checks"]) {
    if (check["scope"] == "ok" && check["metric"] == "p50") {
      ok_p50_regressed = check["verdict"] == "regression";
      EXPECT_GT(check["change"].get<double>(), 0.5) << check.dump();  // 100 ms -> 200 ms
      EXPECT_GT(check["ci95"][0].get<double>(), 0.3) << check.dump();
    }
  }
  EXPECT_TRUE(ok_p50_regressed) << j.stdout_text;
  // A generous tolerance lets the same slowdown through.
  const auto lenient = run_loadgen({"compare", dir.file("base"), dir.file("slow"), "--tolerance", "p50=300%,p99=off"});
  EXPECT_EQ(lenient.exit_code, 0) << lenient.stdout_text;

  // A saved baseline is one self-contained file; run --baseline fails on the regression and
  // says so in every report.
  const auto saved = run_loadgen({"baseline", "save", dir.file("base"), "--as", "gate", "--dir", dir.file("baselines")});
  ASSERT_EQ(saved.exit_code, 0) << saved.stderr_text;
  const auto baseline = dir.file("baselines/gate.json");
  EXPECT_TRUE(read_json(baseline).contains("baseline_of"));
  std::filesystem::remove_all(dir.file("base"));
  run_against(dir, "200", "again", {"--baseline", baseline}, 1);
  const auto r = read_json(dir.file("again/result.json"));
  EXPECT_EQ(r["verdict"], "fail");
  EXPECT_TRUE(r["baseline"]["regression"].get<bool>());
  const auto junit = slurp(dir.file("again/junit.xml"));
  EXPECT_NE(junit.find("<failure message=\"ok p50 +"), std::string::npos) << junit;
  EXPECT_NE(junit.find("type=\"baseline\">base 1"), std::string::npos) << junit;
  const auto md = slurp(dir.file("again/summary.md"));
  EXPECT_NE(md.find("regression against the baseline"), std::string::npos) << md;
  EXPECT_NE(md.find("### Change against baseline"), std::string::npos) << md;
}

TEST(Gate, AMissingOrInvalidBaselineIsBadInputBeforeAnyLoad) {
  ScratchDir dir("badbase");
  const auto file = dir.write("s.yaml", gate_scenario("http://127.0.0.1:9", "  rate: 10\n  duration: 30s\n"));
  const auto missing = run_loadgen({"run", file, "-o", dir.file("out"), "--baseline", dir.file("nope.json")},
                                   std::chrono::seconds(10));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.stderr_text.find(dir.file("nope.json") + ": no such file"), std::string::npos) << missing.stderr_text;
  const auto junk = dir.write("junk.json", "{ not json");
  const auto invalid = run_loadgen({"compare", junk, dir.file("out")});
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_NE(invalid.stderr_text.find(junk + ": not valid JSON"), std::string::npos) << invalid.stderr_text;
  const auto tolerance = run_loadgen({"run", file, "--baseline", junk, "--tolerance", "p98=1%"});
  EXPECT_EQ(tolerance.exit_code, 2);
  EXPECT_NE(tolerance.stderr_text.find("'p98' is not a compared metric"), std::string::npos) << tolerance.stderr_text;
}

}  // namespace
}  // namespace loadgen::testing
