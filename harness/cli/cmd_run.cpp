#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "harness/cli/commands.hpp"
#include "harness/cli/run_finish.hpp"
#include "harness/cli/scenario_input.hpp"
#include "harness/cli/url_scenario.hpp"
#include "harness/core/exit_codes.hpp"
#include "harness/core/units.hpp"
#include "harness/load/metric_layout.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/shard_log.hpp"
#include "harness/run/slo_check.hpp"
#include "reports/console_report.hpp"
#include "reports/hlog_report.hpp"
#include "reports/html/html_report.hpp"
#include "reports/atomic_file.hpp"
#include "harness/run/capacity_run.hpp"
#include "reports/baselines/compare.hpp"
#include "reports/capacity_text.hpp"
#include "reports/baselines/run_file.hpp"
#include "reports/json_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"
#include "reports/progress_line.hpp"

namespace loadgen::cli {
namespace {

using core::ExitCode;
using core::to_int;

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed connection must be an error we count, not our death
}

struct RunFlags {
  ScenarioInput input;
  std::string out_dir;
  int threads = 0;
  bool quiet = false;
  int target_pid = 0;
  std::string baseline;   // --baseline: overrides the scenario's baseline.file
  std::string tolerance;  // --tolerance p99=10%,rps=5%: over the scenario's and the defaults
  std::string shard;      // --shard I/N
  int shards = 0;         // --shards N: the index from JOB_COMPLETION_INDEX
  std::string start_at;   // --start-at
  UrlFlags url;           // loadgen run URL -R ... (the argument is a URL, not a file)
};

// This process's share of a sharded run: --shard I/N, --shards N with the index from
// JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), or LOADGEN_SHARD=I/N. Nothing when
// unsharded; false after saying why when the flags are wrong.
bool resolve_shard(const RunFlags& flags, std::optional<run::ShardSpec>& out) {
  if (!flags.shard.empty() && flags.shards > 0) {
    std::cerr << "loadgen: give --shard I/N or --shards N, not both\n";
    return false;
  }
  std::string text = flags.shard;
  std::string from = "--shard";
  if (flags.shards > 0) {
    const char* index = std::getenv("JOB_COMPLETION_INDEX");
    if (index == nullptr || *index == '\0') {
      std::cerr << fmt::format(
          "loadgen: --shards {} takes this shard's index from JOB_COMPLETION_INDEX (set by a Kubernetes Indexed "
          "Job), which is not set; give --shard I/{} instead\n",
          flags.shards, flags.shards);
      return false;
    }
    text = fmt::format("{}/{}", index, flags.shards);
    from = fmt::format("--shards {} with JOB_COMPLETION_INDEX={}", flags.shards, index);
  } else if (text.empty()) {
    const char* env = std::getenv("LOADGEN_SHARD");
    if (env == nullptr || *env == '\0') return true;
    text = env;
    from = "LOADGEN_SHARD";
  }
  auto parsed = run::parse_shard(text);
  if (!parsed) {
    std::cerr << fmt::format("loadgen: {}: {}\n", from, parsed.error());
    return false;
  }
  out = *parsed;
  return true;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The shard log's header: what the merge checks the shards against and judges by.
run::ShardLogHeader shard_header(const RunFlags& flags, const std::string& url_yaml, const run::ShardSpec& shard,
                                 const scenario::Scenario& sc,
                                 const std::optional<std::chrono::system_clock::time_point>& start_at) {
  run::ShardLogHeader h;
  h.shard = shard.index;
  h.shards = shard.count;
  h.scenario_file = flags.input.path;
  h.scenario_text = url_yaml.empty() ? read_whole_file(flags.input.path) : url_yaml;
  std::string identity = h.scenario_text;
  for (const auto& s : flags.input.sets) {
    const auto eq = s.find('=');
    h.sets.emplace_back(s.substr(0, eq), eq == std::string::npos ? "" : s.substr(eq + 1));
    identity += '\0' + s;
  }
  h.scenario_digest = run::digest_hex(identity);
  if (start_at) {
    h.start_at_epoch_s = std::chrono::duration<double>(start_at->time_since_epoch()).count();
  }
  const auto layout = load::metric_layout(sc.requests, sc.flows);
  h.names = layout.names;
  h.http.assign(layout.names.size(), true);
  for (const auto& flow : layout.flows) {
    h.http[flow.flow] = false;
    for (const auto& since : flow.since_start) {
      if (since) h.http[*since] = false;
    }
  }
  return h;
}

// A URL run's scenario (and --save-scenario's file); "" for a scenario file. False after saying
// what is wrong with the flags or the file.
bool url_scenario_of(const RunFlags& flags, std::string& yaml) {
  if (!is_url(flags.input.path)) {
    if (const auto flag = flags.url.first_url_flag(); !flag.empty()) {
      std::cerr << fmt::format("loadgen: {} is for a URL run (loadgen run http://HOST/PATH {} ...); a scenario file "
                               "says its load, requests and SLOs itself\n",
                               flag, flag.substr(0, flag.find('/')));
      return false;
    }
    if (!std::filesystem::is_regular_file(flags.input.path)) {
      std::cerr << fmt::format("loadgen: no scenario file '{}' (give a scenario file, or an http:// or https:// URL)\n",
                               flags.input.path);
      return false;
    }
    return true;
  }
  auto text = url_scenario_yaml(flags.url);
  if (!text) {
    std::cerr << "loadgen: " << text.error() << '\n';
    return false;
  }
  yaml = std::move(text).value();
  if (!flags.url.save_scenario.empty()) {
    std::ofstream out(flags.url.save_scenario);
    out << yaml;
    if (!out.flush()) {
      std::cerr << fmt::format("loadgen: --save-scenario: cannot write '{}'\n", flags.url.save_scenario);
      return false;
    }
  }
  return true;
}

int run_command(const RunFlags& flags) {
  TempDir tmp;
  std::string url_yaml;
  if (!url_scenario_of(flags, url_yaml)) return to_int(ExitCode::kBadInput);
  std::optional<run::ShardSpec> shard;
  if (!resolve_shard(flags, shard)) return to_int(ExitCode::kBadInput);
  std::optional<std::chrono::system_clock::time_point> start_at;
  if (!flags.start_at.empty()) {
    auto parsed = run::parse_start_at(flags.start_at);
    if (!parsed) {
      std::cerr << "loadgen: --start-at: " << parsed.error() << '\n';
      return to_int(ExitCode::kBadInput);
    }
    start_at = *parsed;
  }
  auto input = flags.input;
  input.target_pid_given = flags.target_pid > 0;
  if (shard) {
    input.shard_index = shard->index;
    input.shard_count = shard->count;
  }
  auto sc = url_yaml.empty() ? load_scenario(input, tmp.path()) : load_scenario_text(url_yaml, input, tmp.path());
  if (!sc) return to_int(ExitCode::kBadInput);
  if (shard && sc->load.search) {
    std::cerr << "loadgen: a capacity search (load.search) cannot be sharded: each trial's verdict needs the whole\n";
    return to_int(ExitCode::kBadInput);
  }
  if (start_at && sc->has_load()) {
    std::chrono::nanoseconds plan{0};
    for (const auto& s : sc->load.stages) plan += s.duration;
    const auto late = std::chrono::system_clock::now() - *start_at;
    if (late > plan) {
      std::cerr << fmt::format(
          "loadgen: --start-at {} is {:.1f}s ago: the plan ({}) would be over already; give a time ahead\n",
          flags.start_at, std::chrono::duration<double>(late).count(), core::format_duration(plan));
      return to_int(ExitCode::kBadInput);
    }
  }
  if (shard && !sc->has_load()) {
    std::cerr << "loadgen: a start-up-only scenario cannot be sharded: there is no load to share out\n";
    return to_int(ExitCode::kBadInput);
  }
  std::optional<Baseline> baseline;
  if (!load_baseline(flags.baseline, flags.tolerance, *sc, baseline)) return to_int(ExitCode::kBadInput);
  install_interrupt_handlers();

  run::RunOptions options;
  options.report_dir = !flags.out_dir.empty() ? flags.out_dir
                       : !sc->report_dir.empty() ? sc->report_dir
                                                 : "reports/out/" + sc->name;
  options.threads = flags.threads;
  options.interrupted = &g_interrupted;
  if (flags.target_pid > 0) options.target_pid = flags.target_pid;
  options.shard = shard;
  options.start_at = start_at;
  std::filesystem::create_directories(options.report_dir);
  reports::HlogReport hlog(options.report_dir + "/latency.hlog");
  std::optional<run::ShardLogWriter> shard_log;
  if (shard) {
    shard_log.emplace(options.report_dir + "/shard.jsonl", shard_header(flags, url_yaml, *shard, *sc, start_at));
    options.observers.push_back(&*shard_log);
  }
  reports::ProgressLine progress(stderr);
  options.observers.push_back(&hlog);
  std::vector<std::string> names;
  for (const auto& r : sc->requests) names.push_back(r.name);
  run::ScopedSlos scoped(run::parse_slos(sc->slos), names);
  const bool search = sc->load.search.has_value();
  if (!search) options.observers.push_back(&scoped);
  if (!flags.quiet && isatty(STDERR_FILENO)) options.observers.push_back(&progress);

  run::RunFailure failure;
  run::Result result;
  if (search) {
    std::cout << fmt::format("capacity search: {}\n", reports::search_plan_text(*sc->load.search, sc->load.model));
    const std::string unit = sc->load.model == scenario::LoadModel::kVirtualUsers ? "users" : "rps";
    result = run::run_capacity_search(*sc, options, failure, [&](const run::CapacityTrial& t, int) {
      if (!flags.quiet && isatty(STDERR_FILENO)) std::cerr << "\r\033[K";
      std::cout << "  " << run::trial_line(t, unit) << std::endl;
    });
  } else {
    result = run::run_scenario(*sc, options, failure);
  }
  if (shard) {
    result.shard = run::ShardOfRun{shard->index, shard->count, shard_log->header().scenario_digest,
                                   shard_log->header().start_at_epoch_s, result.shard ? result.shard->start_late_s : 0};
  }
  std::vector<std::string> more_failures;
  if (shard_log && !shard_log->error().empty()) more_failures.push_back("shard log: " + shard_log->error());
  const run::ScopedSlos* judge_with = search ? nullptr : &scoped;
  if (failure.kind == run::RunFailure::Kind::kBadInput) {
    std::cerr << "loadgen: " << failure.message << '\n';
    return to_int(ExitCode::kBadInput);
  }
  if (failure.kind == run::RunFailure::Kind::kTargetFailed) {
    std::cerr << "loadgen: " << failure.message << '\n';
    result.warnings.push_back(failure.message);
    return finish(result, *sc, true, judge_with, baseline, hlog, more_failures);
  }
  return finish(result, *sc, false, judge_with, baseline, hlog, more_failures);
}

}  // namespace

CommandRunner add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a scenario: drive the target at the planned load, check the SLOs");
  cmd->add_option("scenario", flags->input.path, "The scenario file (YAML), or a URL to load with the flags below")
      ->required();
  cmd->add_option("--set", flags->input.sets,
                  "Override a scenario field or define ${key}: --set load.stages.1.hold=5s (repeatable)");
  cmd->add_option("-o,--out", flags->out_dir, "Report directory (default: the scenario's report.dir)");
  cmd->add_option("-t,--threads", flags->threads, "Event-loop threads (default: the scenario's, else the cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--target-pid", flags->target_pid,
                  "Sample this process's CPU, RSS, threads and fds during the run (a target loadgen did not start)")
      ->check(CLI::Range(1, 1 << 30));
  cmd->add_flag("-q,--quiet", flags->quiet, "No live progress line");
  cmd->add_option("--baseline", flags->baseline,
                  "Compare with this run: a baseline file, a result.json or a report directory");
  cmd->add_option("--tolerance", flags->tolerance,
                  "How much worse than the baseline is allowed: p50=10%,p99=15%,rps=5%,error_rate=0.1% (or off)");
  cmd->add_option("--shard", flags->shard,
                  "Run shard I of N (I/N, from 0) of the one plan: arrivals I, I+N, ...; the SLOs are judged by "
                  "loadgen merge");
  cmd->add_option("--shards", flags->shards, "Run one of N shards, its index from JOB_COMPLETION_INDEX (Kubernetes)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--start-at", flags->start_at,
                  "Wait for this time (RFC 3339 or Unix seconds) and take it as time zero: shards start together");
  auto& u = flags->url;
  const char* group = "A URL run (loadgen run http://127.0.0.1:8080/api -R 100 -d 30s)";
  cmd->add_option("-R,--rate", u.rate, "Requests per second: the open model (100, 1.5k, 6000/m)")->group(group);
  cmd->add_option("-u,--users", u.users, "Virtual users looping requests: the closed model")->group(group)->check(CLI::Range(1, 1000000));
  cmd->add_option("-d,--duration", u.duration, "How long to hold the load (default 10s)")->group(group);
  cmd->add_option("--ramp", u.ramp, "Ramp linearly from 0 over this long first (30s)")->group(group);
  cmd->add_option("-c,--connections", u.connections, "Connections the requests (or users) share")->group(group)->check(CLI::Range(1, 1000000));
  cmd->add_option("--http", u.http, "HTTP version: 2 (h2; h2c on http://), 1.1, or auto (default: h2 if an https server offers it)")
      ->group(group)->check(CLI::IsMember({"2", "1.1", "auto"}));
  cmd->add_option("--max-streams", u.max_streams, "HTTP/2 streams per connection at most (default: the server's limit)")
      ->group(group)->check(CLI::Range(1, 10000));
  cmd->add_option("-m,--method", u.method, "GET (default), or POST with --body/--json, PUT, PATCH, DELETE, HEAD")->group(group);
  cmd->add_option("-H,--header", u.headers, "A request header, 'Name: value' (repeatable)")->group(group);
  cmd->add_option("--body", u.body, "The request body, as text")->group(group);
  cmd->add_option("--json", u.json, "The request body as JSON (sets Content-Type)")->group(group);
  cmd->add_option("--timeout", u.timeout, "Per-request timeout (default 10s)")->group(group);
  cmd->add_option("--max-redirects", u.max_redirects, "Redirects to follow (default 10; 0: the 3xx is the answer)")
      ->group(group)->check(CLI::Range(0, 100));
  cmd->add_option("--slo", u.slos, "An SLO, as in a scenario: 'http.p99 < 200ms' (repeatable)")->group(group);
  cmd->add_option("--save-scenario", u.save_scenario, "Also write the scenario these flags make, as YAML to grow from")->group(group);
  cmd->callback([flags] { flags->url.url = flags->input.path; });
  cmd->footer(
      "Exit codes: 0 every SLO held (and no regression against the baseline); 1 an SLO failed or a regression;\n"
      "2 bad input (scenario, flags, baseline file); 3 the target could not be started;\n"
      "130 interrupted (the report of what ran is still written).");
  return [flags] { return run_command(*flags); };
}

}  // namespace loadgen::cli
