// The probes as `loadgen run` uses them, with the real binary: start-up scenarios over many
// runs (variants, failed runs, startup.* SLOs), and the resources of a target sampled during
// a load run (started by loadgen, or named by --target-pid or a pid file).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

using nlohmann::json;

const json& phase(const json& variant, const std::string& name) {
  for (const auto& p : variant["phases"]) {
    if (p["name"] == name) return p;
  }
  static const json kNone;
  ADD_FAILURE() << "no phase " << name;
  return kNone;
}

const json& slo(const json& result, const std::string& expr) {
  for (const auto& s : result["slo"]) {
    if (s["expr"] == expr) return s;
  }
  static const json kNone;
  ADD_FAILURE() << "no SLO " << expr;
  return kNone;
}

TEST(StartupRun, TimesEveryPhaseOfEveryVariantAndGatesOnTheWorst) {
  ScratchDir dir("startup-variants");
  const auto file = dir.write("s.yaml", fmt::format(R"(name: st
startup:
  runs: 3
  command: ["{}", --port, "${{port}}", --listen-after, 30ms]
  phases:
    - {{ name: listening, tcp: "${{port}}" }}
    - {{ name: ready, http: /up }}
    - {{ name: said, log: "^loadgen-phase ready" }}
  variants:
    - {{ name: fast, args: [--ready-after, 80ms] }}
    - {{ name: slow, args: [--ready-after, 300ms] }}
  timeout: 10s
slo:
  - startup.ready.p99 < 200ms
  - startup.listening.p99 < 2s
  - startup.ready.failed == 0
)",
                                                    probe_target_binary()));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  // The slow variant breaks the ready SLO: every variant must hold it.
  ASSERT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  EXPECT_NE(run.stdout_text.find("slow ready"), std::string::npos) << run.stdout_text;
  const auto r = read_json(dir.file("out/result.json"));
  const auto& variants = r["startup"]["variants"];
  ASSERT_EQ(variants.size(), 2u);
  EXPECT_EQ(r["startup"]["source"], "startup");
  for (const auto& v : variants) {
    const double truth = v["name"] == "fast" ? 80 : 300;
    EXPECT_EQ(v["runs"], 3);
    EXPECT_EQ(v["failed_runs"], 0);
    const auto& ready = phase(v, "ready");
    EXPECT_EQ(ready["reached"], 3);
    EXPECT_EQ(ready["runs_ms"].size(), 3u);
    // Detection comes after the fact, and the target's own start takes a little time.
    EXPECT_GE(ready["min_ms"].get<double>(), truth) << v;
    EXPECT_LT(ready["max_ms"].get<double>(), truth + 150) << v;
    EXPECT_GE(phase(v, "listening")["min_ms"].get<double>(), 30.0);
    // The target printed its own time of each phase: the probe reports how far it was off.
    const auto& detection = ready["detection_error_ms"];
    ASSERT_TRUE(detection.is_object()) << ready;
    EXPECT_LT(std::abs(detection["median"].get<double>()), 20.0) << detection;
  }
  const auto& gate = slo(r, "startup.ready.p99 < 200ms");
  EXPECT_FALSE(gate["pass"].get<bool>());
  EXPECT_GE(gate["observed"].get<double>(), 300e6);  // the slow variant's, in ns
  EXPECT_TRUE(slo(r, "startup.listening.p99 < 2s")["pass"].get<bool>());
  EXPECT_TRUE(slo(r, "startup.ready.failed == 0")["pass"].get<bool>());
}

TEST(StartupRun, AFailedRunNamesThePhaseTheExitAndTheStderrTail) {
  ScratchDir dir("startup-failed");
  const auto file = dir.write("s.yaml", fmt::format(R"(name: st-fail
startup:
  runs: 2
  command: ["{}", --port, "${{port}}", --ready-after, 5s, --exit-after, 50ms, --exit-code, "3",
            --stderr, "fatal: the config file is missing"]
  phases:
    - {{ name: listening, tcp: "${{port}}" }}
    - {{ name: ready, http: /up }}
  timeout: 10s
slo:
  - startup.ready.failed == 0
)",
                                                    probe_target_binary()));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  ASSERT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;
  EXPECT_NE(run.stdout_text.find("fatal: the config file is missing"), std::string::npos) << run.stdout_text;
  const auto r = read_json(dir.file("out/result.json"));
  const auto& v = r["startup"]["variants"][0];
  ASSERT_EQ(v["failed"].size(), 2u) << v;
  const auto& failed = v["failed"][0];
  EXPECT_EQ(failed["phase"], "ready");
  EXPECT_EQ(failed["exit_code"], 3);
  EXPECT_NE(failed["reason"].get<std::string>().find("status 3"), std::string::npos) << failed;
  ASSERT_FALSE(failed["stderr_tail"].empty());
  EXPECT_EQ(failed["stderr_tail"].back(), "fatal: the config file is missing");
  EXPECT_EQ(phase(v, "ready")["missed"], 2);
  EXPECT_EQ(phase(v, "listening")["reached"], 2);  // it listened before it died
  EXPECT_EQ(slo(r, "startup.ready.failed == 0")["observed"], 2.0);
}

TEST(ResourcesRun, SamplesTheTargetLoadgenStartedAndGatesOnIt) {
  ScratchDir dir("resources-started");
  constexpr double kAllocated = 96.0 * 1024 * 1024;
  const auto file = dir.write("s.yaml", fmt::format(R"(name: res
target:
  base_url: http://127.0.0.1:${{port}}
  start:
    command: ["{}", --port, "${{port}}", --allocate, 96MiB, --ready-after, 0ms]
    ready: /up
load: {{ rate: 50, duration: 2s }}
requests:
  - {{ name: health, get: /health }}
probes:
  resources: {{ interval: 50ms }}
slo:
  - target.rss.max > 90MB
  - target.rss.max < 10MB
  - target.threads.max >= 1
  - target.cpu.avg < 90%
  - startup.ready.max < 10s
)",
                                                    probe_target_binary()));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--threads", "1"});
  ASSERT_EQ(run.exit_code, 1) << run.stdout_text << run.stderr_text;  // the 10MB SLO
  const auto r = read_json(dir.file("out/result.json"));
  const auto& target = r["resources"]["target"];
  ASSERT_TRUE(target.is_object()) << r["resources"];
  EXPECT_EQ(target["pid"], r["target"]["pid"]);
  EXPECT_GE(target["samples"].get<int>(), 20);  // 2s at 50ms, and the start
  const double rss_max = target["rss_bytes"]["max"].get<double>();
  EXPECT_GT(rss_max, kAllocated);
  EXPECT_LT(rss_max, kAllocated * 1.05 + 8e6) << "RSS max within 5% of the allocation (plus the program)";
  EXPECT_FALSE(target["timeline"].empty());
  EXPECT_TRUE(r["resources"]["loadgen"].is_object());
  EXPECT_EQ(r["startup"]["source"], "target.start");
  EXPECT_EQ(r["startup"]["variants"][0]["phases"].size(), 2u);
  EXPECT_TRUE(slo(r, "target.rss.max > 90MB")["pass"].get<bool>());
  EXPECT_FALSE(slo(r, "target.rss.max < 10MB")["pass"].get<bool>());
  EXPECT_TRUE(slo(r, "target.threads.max >= 1")["pass"].get<bool>());
  EXPECT_TRUE(slo(r, "target.cpu.avg < 90%")["pass"].get<bool>());
  EXPECT_TRUE(slo(r, "startup.ready.max < 10s")["pass"].get<bool>());
  EXPECT_NE(run.stdout_text.find("resources (sampled from /proc)"), std::string::npos) << run.stdout_text;
}

std::string external_scenario(const std::string& base_url, const std::string& probes) {
  return fmt::format(R"(name: ext
target: {{ base_url: "{}" }}
load: {{ rate: 20, duration: 1s }}
requests:
  - {{ get: /ok }}
{}slo:
  - target.threads.max >= 1
  - target.rss.max > 100kB
)",
                     base_url, probes);
}

TEST(ResourcesRun, TargetPidSamplesAProcessLoadgenDidNotStart) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "1"});
  ScratchDir dir("resources-pid");
  const auto file = dir.write("s.yaml", external_scenario(server->base_url(), ""));
  // Without a process to watch, target.* SLOs are an error of the scenario.
  const auto bad = run_loadgen({"run", file, "-o", dir.file("bad")});
  EXPECT_EQ(bad.exit_code, 2) << bad.stderr_text;
  EXPECT_NE(bad.stderr_text.find("s.yaml:"), std::string::npos) << bad.stderr_text;

  const auto pid = server->process().pid();
  const auto run = run_loadgen({"run", file, "-o", dir.file("out"), "--target-pid", std::to_string(pid)});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  EXPECT_EQ(r["resources"]["target"]["pid"], pid);
  EXPECT_GT(r["resources"]["target"]["samples"].get<int>(), 5);
}

TEST(ResourcesRun, APidFileNamesTheTarget) {
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "1"});
  ScratchDir dir("resources-pidfile");
  const auto pid_file = dir.write("target.pid", fmt::format("{}\n", server->process().pid()));
  const auto file = dir.write(
      "s.yaml", external_scenario(server->base_url(), fmt::format("probes:\n  resources: {{ pid_file: \"{}\" }}\n", pid_file)));
  const auto run = run_loadgen({"run", file, "-o", dir.file("out")});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  EXPECT_EQ(read_json(dir.file("out/result.json"))["resources"]["target"]["pid"], server->process().pid());

  // A pid file that names no process: the run still happens and says why target.* failed.
  dir.write("target.pid", "not-a-pid\n");
  const auto broken = run_loadgen({"run", file, "-o", dir.file("broken")});
  EXPECT_EQ(broken.exit_code, 1) << broken.stdout_text << broken.stderr_text;
  const auto r = read_json(dir.file("broken/result.json"));
  EXPECT_NE(r["warnings"].dump().find("does not hold a process id"), std::string::npos) << r["warnings"];
  EXPECT_GE(r["requests"]["sent"].get<int>(), 20);
}

}  // namespace
}  // namespace loadgen::testing
