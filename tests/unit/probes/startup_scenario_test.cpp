// The startup: and probes: sections of a scenario: the model they give and their errors.
#include <gtest/gtest.h>

#include "tests/unit/scenario/load_helpers.hpp"

namespace loadgen::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::load;
using testing::loaded;
using Errors = std::vector<std::string>;

std::vector<std::string> texts(const std::vector<Template>& argv) {
  std::vector<std::string> out;
  for (const auto& t : argv)
    out.push_back(t.text());
  return out;
}

TEST(StartupScenario, ReadsEveryField) {
  const auto s = loaded(R"yaml(name: startup
startup:
  runs: 20
  command: ["${bin}/refserver", --port, "${port}", --db, "${tmp}/s.sqlite3"]
  before_each: [rm, -f, "${tmp}/s.sqlite3"]
  env: { LOG: debug, PORT_HINT: "${port}" }
  phases:
    - { name: listening, tcp: "${port}" }
    - { name: ready, http: /up }
    - { name: full, http: /up/full }
    - { name: migrated, log: "migrations (done|skipped)" }
    - { name: admin, tcp: 9090 }
  variants:
    - { name: sequential, args: [--startup, sequential] }
    - { name: staged, args: [--startup, staged], env: { STAGES: "3" } }
  timeout: 10s
  stop_grace: 1s
slo:
  - startup.ready.p99 < 1s
  - startup.full.p50 < 3s
  - startup.migrated.failed == 0
)yaml");
  EXPECT_FALSE(s.has_load());
  ASSERT_TRUE(s.startup);
  const auto& st = *s.startup;
  EXPECT_EQ(st.runs, 20);
  EXPECT_EQ(texts(st.command), (std::vector<std::string>{"/opt/lg/bin/refserver", "--port",
                                                         "${port}", "--db", "/tmp/lg/s.sqlite3"}));
  EXPECT_EQ(texts(st.before_each), (std::vector<std::string>{"rm", "-f", "/tmp/lg/s.sqlite3"}));
  EXPECT_EQ(st.env,
            (std::map<std::string, std::string>{{"LOG", "debug"}, {"PORT_HINT", "${port}"}}));
  ASSERT_EQ(st.phases.size(), 5u);
  EXPECT_EQ(st.phases[0].name, "listening");
  EXPECT_EQ(st.phases[0].kind, PhaseKind::kTcp);
  EXPECT_EQ(st.phases[0].target, "${port}");
  EXPECT_EQ(st.phases[2].kind, PhaseKind::kHttp);
  EXPECT_EQ(st.phases[2].target, "/up/full");
  EXPECT_EQ(st.phases[3].kind, PhaseKind::kLog);
  EXPECT_EQ(st.phases[3].target, "migrations (done|skipped)");
  EXPECT_EQ(st.phases[4].target, "9090");
  EXPECT_EQ(st.phases[1].where.str(), "s.yaml:9:7");
  ASSERT_EQ(st.variants.size(), 2u);
  EXPECT_EQ(st.variants[0].name, "sequential");
  EXPECT_EQ(texts(st.variants[0].args), (std::vector<std::string>{"--startup", "sequential"}));
  EXPECT_EQ(st.variants[1].env, (std::map<std::string, std::string>{{"STAGES", "3"}}));
  EXPECT_EQ(st.timeout, 10s);
  EXPECT_EQ(st.stop_grace, 1s);
  EXPECT_FALSE(st.port);
  EXPECT_EQ(s.slos.size(), 3u);
  EXPECT_EQ(s.report_dir, "reports/out/startup");
}

TEST(StartupScenario, DefaultsAndALoadBeside) {
  const auto s = loaded(R"(name: both
target: { base_url: "http://127.0.0.1:8080" }
load: { rate: 10, duration: 5s }
requests: [ { get: / } ]
startup:
  command: [./server]
  port: 8080
  phases: [ { name: up, http: /health } ]
)");
  EXPECT_TRUE(s.has_load());
  ASSERT_TRUE(s.startup);
  EXPECT_EQ(s.startup->runs, 10);
  EXPECT_EQ(s.startup->timeout, 30s);
  EXPECT_EQ(s.startup->stop_grace, 5s);
  EXPECT_EQ(s.startup->port, 8080);
  EXPECT_TRUE(s.startup->before_each.empty());
  EXPECT_TRUE(s.startup->variants.empty());
  EXPECT_TRUE(s.probes.resources.enabled);
  EXPECT_EQ(s.probes.resources.interval, 100ms);
}

TEST(StartupScenario, ErrorsAreLocated) {
  const auto r = load(R"(name: startup
startup:
  runs: 0
  comand: [./server]
  before_each: [rm, "${tmp}/${port}.db"]
  phases:
    - { name: ready, http: up }
    - { name: ready, tcp: "${port}" }
    - { name: both, tcp: "${port}", http: /up }
    - { name: none }
    - { name: 2fast, log: "x" }
    - { name: migrated, log: "([unclosed" }
    - { name: admin, tcp: web }
    - { http: /up }
  variants:
    - { name: a }
    - { name: a, args: --flag }
)");
  const Errors expected = {
      "s.yaml:2:1: startup needs command: [program, arg, ...]",
      "s.yaml:3:9: runs must be at least 1, not 0",
      "s.yaml:4:3: unknown key 'comand' in startup (did you mean 'command'?)",
      "s.yaml:5:29: ${port} is only known in target.base_url, target.start.command and "
      "target.start.env, and in startup: its command, env, variants and tcp:",
      "s.yaml:7:28: http is a path starting with '/', not 'up'",
      "s.yaml:8:15: phase 'ready' is given twice",
      "s.yaml:9:37: a phase is detected one way: give one of tcp:, http: and log:",
      "s.yaml:10:7: a phase needs one of tcp: \"${port}\", http: /path or log: regex",
      "s.yaml:11:15: a phase name starts with a letter or '_' and holds letters, digits, '_' "
      "and '-' (SLOs use it), not '2fast'",
      "s.yaml:13:27: tcp must be a whole number, not 'web'",
      "s.yaml:14:7: a phase needs name:",
      "s.yaml:17:15: variant 'a' is given twice",
      "s.yaml:17:24: args is a list of arguments: [arg, ...]",
  };
  auto errors = errors_of(r);
  ASSERT_EQ(errors.size(), expected.size() + 1) << testing::joined(r);
  // libstdc++ words the regex problem itself; only its start is ours.
  const auto regex_error = std::find_if(errors.begin(), errors.end(), [](const auto& e) {
    return e.starts_with("s.yaml:12:30: log: '([unclosed' is not a regular expression: ");
  });
  ASSERT_NE(regex_error, errors.end()) << testing::joined(r);
  errors.erase(regex_error);
  EXPECT_EQ(errors, expected);
}

TEST(StartupScenario, PhasesMustBeAList) {
  EXPECT_EQ(errors_of(load(R"(name: s
startup:
  command: [./server]
  phases: { name: ready, http: /up }
)")),
            Errors{"s.yaml:4:11: phases must be a list, not a mapping"});
  EXPECT_EQ(errors_of(load(R"(name: s
startup:
  command: [./server]
  phases: []
)")),
            Errors{"s.yaml:4:11: phases is empty: give at least one, e.g. - { name: ready, "
                   "http: /up }"});
}

TEST(StartupScenario, WithoutStartupALoadIsRequiredAndPartOfOneIsAnError) {
  EXPECT_EQ(errors_of(load("name: nothing\n")),
            (Errors{"s.yaml:1:1: the scenario needs target: (base_url: ...)",
                    "s.yaml:1:1: the scenario needs load: (rate: and duration:, or stages:)",
                    "s.yaml:1:1: the scenario needs requests: (a list such as - get: /)"}));
  EXPECT_EQ(errors_of(load(R"(name: half
startup: { command: [./s], phases: [ { name: up, http: /up } ] }
requests: [ { get: / } ]
)")),
            (Errors{"s.yaml:1:1: the scenario needs target: (base_url: ...)",
                    "s.yaml:1:1: the scenario needs load: (rate: and duration:, or stages:)"}));
}

TEST(StartupSlo, PhasesMustBeDeclared) {
  const auto r = load(R"(name: startup
startup:
  command: [./server]
  phases:
    - { name: listening, tcp: "${port}" }
    - { name: ready, http: /up }
slo:
  - startup.ready.p99 < 1s
  - startup.redy.p99 < 1s
  - startup.migrated.max < 5s
  - target.rss.max < 500MB
)");
  EXPECT_EQ(errors_of(r),
            (Errors{"s.yaml:9:5: there is no startup phase named 'redy' (did you mean 'ready'?)",
                    "s.yaml:10:5: there is no startup phase named 'migrated' (the phases are "
                    "listening, ready)",
                    "s.yaml:11:5: target.rss is measured only on a target that loadgen starts "
                    "(add target.start, or probes.resources.pid_file)"}));
}

TEST(StartupSlo, TargetStartTimesListeningAndReady) {
  const std::string head = R"(name: started
target:
  base_url: http://127.0.0.1:${port}
  start: { command: [./server, --port, "${port}"] }
load: { rate: 10, duration: 5s }
requests: [ { get: / } ]
slo:
)";
  EXPECT_TRUE(load(head + "  - startup.listening.p50 < 1s\n  - startup.ready.max < 2s\n").ok());
  EXPECT_EQ(errors_of(load(head + "  - startup.full.max < 2s\n")),
            Errors{"s.yaml:8:5: there is no startup phase named 'full' (the phases are "
                   "listening, ready)"});
  EXPECT_EQ(errors_of(load(std::string(testing::kSmoke) + "slo: [ startup.ready.p99 < 1s ]\n")),
            Errors{"s.yaml:9:8: startup.ready is measured only by a startup: block or on a "
                   "target that loadgen starts (add startup: or target.start)"});
}

TEST(ResourcesProbe, ReadsItsSettings) {
  const auto s = loaded(std::string(testing::kSmoke) + R"(probes:
  resources: { interval: 250ms, pid_file: "${tmp}/server.pid", enabled: true }
slo:
  - target.rss.slope < 10MB/h
  - target.cpu.avg < 30%
)");
  EXPECT_EQ(s.probes.resources.interval, 250ms);
  EXPECT_EQ(s.probes.resources.pid_file, "/tmp/lg/server.pid");
  EXPECT_TRUE(s.probes.resources.enabled);
  EXPECT_EQ(s.slos.size(), 2u);  // a pid file gives target.* a process to watch
}

TEST(ResourcesProbe, ErrorsAreLocated) {
  EXPECT_EQ(errors_of(load(std::string(testing::kSmoke) + R"(probes:
  resources: { interval: 1ms, enabled: maybe, pidfile: x }
  resource: {}
)")),
            (Errors{"s.yaml:10:26: interval must be at least 10ms (CPU time is counted in 10ms "
                    "ticks)",
                    "s.yaml:10:40: enabled is true or false, not 'maybe'",
                    "s.yaml:10:47: unknown key 'pidfile' in probes.resources (did you mean "
                    "'pid_file'?)",
                    "s.yaml:11:3: unknown key 'resource' in probes (did you mean 'resources'?)"}));
}

TEST(ResourcesProbe, TurnedOffItMeasuresNothing) {
  const auto r = load(R"(name: started
target:
  base_url: http://127.0.0.1:${port}
  start: { command: [./server, --port, "${port}"] }
load: { rate: 10, duration: 5s }
requests: [ { get: / } ]
probes: { resources: { enabled: false } }
slo: [ target.cpu.avg < 30% ]
)");
  EXPECT_EQ(errors_of(r), Errors{"s.yaml:8:8: target.cpu needs the resources probe, which "
                                 "probes.resources.enabled: false turns off"});
}

}  // namespace
}  // namespace loadgen::scenario
