#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/metrics/histogram.hpp"
#include "harness/run/probe_results.hpp"
#include "harness/run/baseline_result.hpp"
#include "harness/run/capacity_result.hpp"
#include "harness/run/name_timeline.hpp"
#include "harness/run/slo_window.hpp"
#include "harness/run/profile_result.hpp"
#include "harness/run/target_metrics_result.hpp"
#include "harness/run/flow_result.hpp"

// Everything a run measured, in plain values: what reports read (and nothing else).
namespace loadgen::run {

struct LatencySummary {
  int64_t count = 0;
  double min_ms = 0, mean_ms = 0, p50_ms = 0, p90_ms = 0, p95_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};
LatencySummary summarize(const metrics::Histogram& histogram);

struct RequestFigures {
  uint64_t scheduled = 0, sent = 0, completed = 0, errors = 0, dropped = 0, bytes_received = 0;
  uint64_t resent = 0;  // idempotent requests sent again after a reused connection closed unanswered
  uint64_t redirects = 0;  // redirects followed: hops after each request's first response
  uint64_t not_sent = 0;  // due and not dropped, but never written: the run was aborted first
  std::map<std::string, uint64_t> errors_by_kind;  // only kinds that happened
};

struct NameResult {
  std::string name;
  RequestFigures requests;         // the whole run
  RequestFigures measured;         // after warm-up: what SLOs judge
  double achieved_rps = 0;
  LatencySummary latency;          // corrected: from the intended start
  LatencySummary service_latency;  // from the actual send
  metrics::Histogram corrected = metrics::Histogram::for_latency_ns();
  metrics::Histogram service = metrics::Histogram::for_latency_ns();
  std::vector<NamePoint> timeline;  // per second, aligned with Result::timeline
};

struct TimelinePoint {
  double t_s = 0;           // end of the one-second interval, since the start
  double length_s = 0;
  std::string stage;
  double target_level = 0;  // planned rate (or users) in the middle of the interval
  double rps = 0;           // responses received (whatever their status) per second
  uint64_t errors = 0;
  uint64_t dropped = 0;
  int64_t in_flight = 0;
  int64_t users = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;  // corrected
  double service_p50_ms = 0, service_p99_ms = 0;
  double send_lag_p99_ms = 0;
  std::map<std::string, uint64_t> errors_by_kind;
};

struct SloOutcome {
  std::string expression;
  std::optional<double> observed;  // in `unit`, the stat's base unit
  std::string observed_text;       // "212ms"
  bool pass = false;
  std::string detail;              // "p99=212ms, threshold < 200ms" or "no samples"
  std::optional<SloWindow> window;  // {window=...} SLOs: the worst window
  std::string unit;                 // of `observed`: "ns", "1/s", "count", "ratio", "B", "B/h", "s" (a target metric in seconds)
};

struct TargetInfo {
  bool started_by_loadgen = false;
  std::vector<std::string> command;
  std::string base_url;
  int pid = 0;
  double listening_ms = 0;
  double ready_ms = 0;
  std::string stdout_path, stderr_path;
  std::string exit_description;
};

// A shard of a sharded run (run --shard I/N): it measured its share of the one plan; the
// SLOs need the whole, so they are judged when the shards are merged.
struct ShardOfRun {
  int index = 0;
  int count = 1;
  std::string scenario_digest;  // of the scenario text and --set values: equal in every shard
  double start_at_epoch_s = 0;  // the agreed time zero (--start-at), 0 when none was given
  double start_late_s = 0;      // how long after it this shard began
};

// What a merged result keeps of each shard: its share and how its generator fared.
struct MergedShard {
  int index = 0;
  std::string dir;
  int threads = 0;
  double start_late_s = 0;
  RequestFigures measured;
  double achieved_rps = 0;
  double loadgen_cpu_avg = 0;  // cores; 0 when not sampled
  int64_t loadgen_rss_max = 0;  // bytes
  bool saturated = false;      // its loadgen ran out of CPU: its share may be under-sent
  // The target as this shard's probes saw it (a target on the shard's machine), when sampled.
  std::optional<double> target_cpu_avg;
  std::optional<int64_t> target_rss_max;
  std::vector<std::string> warnings;
};

struct Result {
  std::string scenario;
  std::string scenario_file;
  std::string model;               // "arrival-rate" | "vus"
  int threads = 0;
  std::string started_at;          // ISO 8601, UTC
  double start_epoch_s = 0;
  double duration_s = 0;           // from time zero to the last interval
  double planned_duration_s = 0;
  double warmup_s = 0;
  bool interrupted = false;
  // "pass": every SLO held; "fail": one did not, or the run failed outright (see
  // verdict_reasons); "none": no SLOs were declared and nothing failed outright, so nothing
  // was judged. Never "pass" for a run that did not measure what it claims.
  std::string verdict;
  std::vector<std::string> verdict_reasons;  // why a verdict is not "pass", beyond the SLO table

  RequestFigures requests;         // the whole run, warm-up included
  RequestFigures measured;         // after warm-up: what SLOs judge
  double target_rps = 0;           // planned requests / measured time (open model)
  double achieved_rps = 0;         // responses received / time the load was applied after warm-up
  LatencySummary latency;          // all names, corrected, after warm-up
  LatencySummary service_latency;
  LatencySummary send_lag;
  metrics::Histogram corrected = metrics::Histogram::for_latency_ns();
  metrics::Histogram service = metrics::Histogram::for_latency_ns();
  metrics::Histogram send_lag_histogram = metrics::Histogram::for_latency_ns();
  std::vector<NameResult> by_name;
  std::vector<FlowResult> flows;   // started/completed/failed per flow (latencies in by_name)
  std::vector<FeedResult> feeds;
  std::vector<TimelinePoint> timeline;
  std::vector<SloOutcome> slo;
  std::map<std::string, std::string> first_errors;  // kind -> first message
  // Connections established, by the protocol each negotiated ("http/1.1", "h2", "h2c").
  std::map<std::string, uint64_t> connections_by_protocol;
  // HTTP/2 errors by kind, then by the error code (RST_STREAM's, GOAWAY's) that ended them.
  std::map<std::string, std::map<std::string, uint64_t>> h2_error_codes;
  TargetInfo target;
  std::optional<StartupOutcome> startup;
  ResourcesResult resources;
  std::optional<TargetMetricsResult> target_metrics;  // probes.metrics: the target's own series
  std::vector<StageProfile> profiles;                 // probes.profile: one per profiled stage
  std::string plan_text;
  std::string scenario_yaml;
  std::string report_dir;
  std::vector<std::string> warnings;
  std::optional<BaselineComparison> baseline;  // with --baseline or a baseline: block
  std::optional<CapacityResult> capacity;      // a load.search: its trials and answer
  std::optional<ShardOfRun> shard;             // this run is one shard: verdict at merge
  std::vector<MergedShard> shards;             // this result merges these shards
};

}  // namespace loadgen::run
