// probes.profile with the real binary: perf records a target with a known hot function during
// one stage; the folded stacks put it in most samples, result.json and the summary name it, a
// second run against the first as a baseline has the differential view; and with perf absent
// from PATH the run still passes and says exactly why there is no profile.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "probes/perf_recorder.hpp"
#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

std::string hot_scenario(const std::string& extra_profile) {
  return fmt::format(R"(name: profiled
target:
  base_url: http://127.0.0.1:${{port}}
  start:
    command: ["{}", --port, "0", --hot]
    ready: /health
load:
  stages:
    - {{ rate: 20, hold: 500ms, name: warm }}
    - {{ rate: 20, hold: 1500ms, name: busy }}
requests:
  - {{ get: /health }}
probes:
  profile: {{ stages: [busy], frequency: 199{} }}
slo:
  - http.error_rate < 1%
)",
                     probe_target_binary(), extra_profile);
}

// The share of the folded file's samples whose leaf is `function`.
double leaf_share(const std::string& folded_path, const std::string& function) {
  std::ifstream in(folded_path);
  std::string line;
  double all = 0, leaf = 0;
  while (std::getline(in, line)) {
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    const double count = std::stod(line.substr(space + 1));
    all += count;
    const auto stack = line.substr(0, space);
    const auto last = stack.rfind(';');
    if (stack.substr(last == std::string::npos ? 0 : last + 1) == function) leaf += count;
  }
  return all > 0 ? leaf / all : 0;
}

TEST(ProfileRun, TheKnownHotFunctionFillsItsStageAndABaselineShowsWhatChanged) {
  const auto why = probes::perf_unavailable_reason(probes::find_program("perf"));
  if (!why.empty()) GTEST_SKIP() << "perf cannot profile here: " << why;
  ScratchDir dir("profile-hot");
  const auto file = dir.write("s.yaml", hot_scenario(""));
  const auto run = run_loadgen({"run", file, "-o", dir.file("first"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("first/result.json"));
  ASSERT_EQ(r["profiles"].size(), 1u) << r["profiles"];
  const auto& p = r["profiles"][0];
  ASSERT_EQ(p["status"], "ok") << p;
  EXPECT_EQ(p["stage"], "busy");
  EXPECT_NEAR(p["start_s"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(p["end_s"].get<double>(), 2.0, 1e-9);
  // 1.5 s at 199 Hz of a process with one thread always busy: about 300 samples.
  EXPECT_GT(p["samples"].get<int>(), 100);
  EXPECT_EQ(p["top_self"][0]["function"], "loadgen_hot_spin") << p["top_self"];
  EXPECT_GT(p["top_self"][0]["share"].get<double>(), 0.5);
  const auto folded = dir.file("first/" + p["file"].get<std::string>());
  EXPECT_GT(leaf_share(folded, "loadgen_hot_spin"), 0.5);
  EXPECT_NE(run.stdout_text.find("profiles of the target (perf)"), std::string::npos) << run.stdout_text;
  EXPECT_NE(dir.read("first/summary.md").find("`loadgen_hot_spin`"), std::string::npos);
  EXPECT_NE(dir.read("first/report.html").find("data-flame=\"0\""), std::string::npos);
  // perf's raw data is folded and removed.
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("first"))) {
    EXPECT_EQ(entry.path().filename().string().find("perf."), std::string::npos) << entry.path();
  }

  // The same target again against the first run: the differential view is there, and the hot
  // function's share barely moved.
  const auto again = run_loadgen({"run", file, "-o", dir.file("second"), "--threads", "1", "--baseline", dir.file("first/result.json")});
  ASSERT_EQ(again.exit_code, 0) << again.stdout_text << again.stderr_text;
  const auto r2 = read_json(dir.file("second/result.json"));
  ASSERT_EQ(r2["baseline"]["profiles"].size(), 1u) << r2["baseline"];
  const auto& changes = r2["baseline"]["profiles"][0]["changes"];
  ASSERT_FALSE(changes.empty());
  for (const auto& c : changes) {
    if (c["function"] != "loadgen_hot_spin") continue;
    EXPECT_GT(c["base_share"].get<double>(), 0.5);
    EXPECT_NEAR(c["new_share"].get<double>(), c["base_share"].get<double>(), 0.25);
  }
  EXPECT_NE(dir.read("second/summary.md").find("against the baseline"), std::string::npos);
}

TEST(ProfileRun, WithoutPerfTheRunPassesAndSaysWhy) {
  ScratchDir dir("profile-noperf");
  const auto file = dir.write("s.yaml", hot_scenario(""));
  // A PATH with no perf on it (loadgen and the target are named by absolute paths).
  const auto run = run_command({"/usr/bin/env", "PATH=" + dir.path().string(), loadgen_binary(), "run", file, "-o",
                                dir.file("out"), "--threads", "1"},
                               std::chrono::seconds(60));
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  ASSERT_EQ(r["profiles"].size(), 1u);
  EXPECT_EQ(r["profiles"][0]["status"], "unavailable");
  EXPECT_NE(r["profiles"][0]["reason"].get<std::string>().find("apt-get install linux-perf"), std::string::npos)
      << r["profiles"][0];
  EXPECT_EQ(r["verdict"], "pass");
  EXPECT_NE(run.stdout_text.find("busy: no profile (unavailable)"), std::string::npos) << run.stdout_text;
  EXPECT_NE(dir.read("out/report.html").find("data-profile-status=\"unavailable\""), std::string::npos);
}

TEST(ProfileRun, BadProfileSettingsAreRefusedWithTheirPlace) {
  ScratchDir dir("profile-bad");
  const auto file = dir.write("s.yaml", R"(name: bad
target: { base_url: "http://127.0.0.1:9" }
load:
  stages:
    - { rate: 1, hold: 1s, name: soak }
requests: [ { get: /ok } ]
probes:
  profile: { stages: [sock], frequency: 0, call_graph: lbr }
)");
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find("s.yaml:8:12: probes.profile needs the target's process"), std::string::npos) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("there is no stage named 'sock' to profile (did you mean 'soak'?)"), std::string::npos)
      << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("call_graph is fp (frame pointers) or dwarf, not 'lbr'"), std::string::npos) << run.stderr_text;
}

}  // namespace
}  // namespace loadgen::testing
