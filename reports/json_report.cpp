#include "reports/capacity_json.hpp"
#include "reports/json_report.hpp"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <thread>

#include "reports/atomic_file.hpp"
#include "reports/probes_json.hpp"
#include "reports/profiles_json.hpp"
#include "reports/target_metrics_json.hpp"
#include "reports/baselines/comparison_text.hpp"
#include "reports/flows_report.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

json latency_json(const run::LatencySummary& s) {
  return {{"count", s.count}, {"min", s.min_ms},   {"mean", s.mean_ms}, {"p50", s.p50_ms},  {"p90", s.p90_ms},
          {"p95", s.p95_ms},  {"p99", s.p99_ms},   {"p999", s.p999_ms}, {"max", s.max_ms}};
}

json requests_json(const run::RequestFigures& f) {
  return {{"scheduled", f.scheduled}, {"sent", f.sent},       {"completed", f.completed},
          {"errors", f.errors},       {"dropped", f.dropped}, {"bytes_received", f.bytes_received},
          {"resent", f.resent},       {"redirects", f.redirects}, {"not_sent", f.not_sent},
          {"errors_by_kind", f.errors_by_kind}};
}

json context_json() {
  utsname u{};
  uname(&u);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {{"loadgen_version", LOADGEN_VERSION},
          {"host", host},
          {"kernel", std::string(u.sysname) + " " + u.release},
          {"cpus", std::thread::hardware_concurrency()},
          // loadgen's own high-water mark (ru_maxrss is in KiB on Linux).
          {"peak_rss_bytes", static_cast<int64_t>(usage.ru_maxrss) * 1024},
#ifdef NDEBUG
          {"build", "optimised"},
#else
          {"build", "debug"},
#endif
  };
}

json timeline_json(const std::vector<run::TimelinePoint>& points) {
  json out = json::array();
  for (const auto& p : points) {
    out.push_back({{"t_s", p.t_s},
                   {"length_s", p.length_s},
                   {"stage", p.stage},
                   {"target", p.target_level},
                   {"rps", p.rps},
                   {"p50_ms", p.p50_ms},
                   {"p90_ms", p.p90_ms},
                   {"p99_ms", p.p99_ms},
                   {"max_ms", p.max_ms},
                   {"service_p50_ms", p.service_p50_ms},
                   {"service_p99_ms", p.service_p99_ms},
                   {"send_lag_p99_ms", p.send_lag_p99_ms},
                   {"errors", p.errors},
                   {"errors_by_kind", p.errors_by_kind},
                   {"dropped", p.dropped},
                   {"in_flight", p.in_flight},
                   {"users", p.users}});
  }
  return out;
}

// Columns rather than rows: a 24-hour soak has 86,400 of them per name.
json name_timeline_json(const std::vector<run::NamePoint>& points) {
  json t = json::array(), count = json::array(), errors = json::array(), p50 = json::array(), p99 = json::array();
  for (const auto& p : points) {
    t.push_back(p.t_s);
    count.push_back(p.count);
    errors.push_back(p.errors);
    p50.push_back(p.p50_ms);
    p99.push_back(p.p99_ms);
  }
  return {{"t_s", t}, {"count", count}, {"errors", errors}, {"p50_ms", p50}, {"p99_ms", p99}};
}

json target_json(const run::TargetInfo& t) {
  return {{"started_by_loadgen", t.started_by_loadgen},
          {"base_url", t.base_url},
          {"command", t.command},
          {"pid", t.pid},
          {"listening_ms", t.listening_ms},
          {"ready_ms", t.ready_ms},
          {"stdout", t.stdout_path},
          {"stderr", t.stderr_path},
          {"exit", t.exit_description}};
}

// The worst window of a {window=...} SLO, since time zero and as wall-clock epoch seconds.
json connections_json(const std::map<std::string, uint64_t>& by_protocol) {
  uint64_t opened = 0;
  for (const auto& [protocol, n] : by_protocol) opened += n;
  return {{"opened", opened}, {"protocols", by_protocol}};
}

json window_json(const run::SloWindow& w, double start_epoch_s) {
  return {{"start_s", w.start_s},         {"end_s", w.end_s},     {"start_epoch_s", start_epoch_s + w.start_s},
          {"end_epoch_s", start_epoch_s + w.end_s}, {"windows", w.windows}, {"failed", w.failed},
          {"partial", w.partial}};
}

}  // namespace

json to_json(const run::Result& r) {
  json by_name = json::object();
  for (const auto& n : r.by_name) {
    by_name[n.name] = {{"requests", requests_json(n.requests)},
                       {"measured_requests", requests_json(n.measured)},
                       {"throughput", {{"achieved_rps", n.achieved_rps}}},
                       {"latency_ms", latency_json(n.latency)},
                       {"service_latency_ms", latency_json(n.service_latency)},
                       {"timeline", name_timeline_json(n.timeline)}};
  }
  json slo = json::array();
  for (const auto& s : r.slo) {
    slo.push_back({{"expr", s.expression},
                   {"observed", s.observed ? json(*s.observed) : json(nullptr)},
                   {"unit", s.unit},
                   {"observed_text", s.observed_text},
                   {"pass", s.pass},
                   {"detail", s.detail}});
    if (s.window) slo.back()["worst_window"] = window_json(*s.window, r.start_epoch_s);
  }
  json out = {{"context", context_json()},
          {"scenario", r.scenario},
          {"scenario_file", r.scenario_file},
          {"verdict", r.verdict},
          {"verdict_reasons", r.verdict_reasons},
          {"interrupted", r.interrupted},
          {"started_at", r.started_at},
          {"start_epoch_s", r.start_epoch_s},
          {"duration_s", r.duration_s},
          {"planned_duration_s", r.planned_duration_s},
          {"warmup_s", r.warmup_s},
          {"model", r.model},
          {"threads", r.threads},
          {"requests", requests_json(r.requests)},
          {"measured_requests", requests_json(r.measured)},
          {"throughput", {{"target_rps", r.target_rps}, {"achieved_rps", r.achieved_rps}}},
          {"latency_ms", latency_json(r.latency)},
          {"service_latency_ms", latency_json(r.service_latency)},
          {"send_lag_ms", latency_json(r.send_lag)},
          {"by_name", by_name},
          {"flows", flows_json(r)},
          {"feeds", feeds_json(r)},
          {"timeline", timeline_json(r.timeline)},
          {"slo", slo},
          {"first_errors", r.first_errors},
          {"connections", connections_json(r.connections_by_protocol)},
          {"h2_error_codes", r.h2_error_codes},
          {"target", target_json(r.target)},
          {"startup", r.startup ? startup_json(*r.startup) : json(nullptr)},
          {"resources", r.resources.any() ? resources_json(r.resources) : json(nullptr)},
          {"warnings", r.warnings},
          {"plan", r.plan_text},
          {"scenario_yaml", r.scenario_yaml},
          {"files", {{"hlog", "latency.hlog"}}}};
  if (r.target_metrics) out["target_metrics"] = target_metrics_json(*r.target_metrics);
  if (!r.profiles.empty()) out["profiles"] = profiles_json(r.profiles);
  if (r.baseline) out["baseline"] = baseline_json(*r.baseline);
  if (r.capacity) out["capacity"] = capacity_json(*r.capacity);
  if (r.shard) {
    out["shard"] = {{"index", r.shard->index},
                    {"count", r.shard->count},
                    {"scenario_digest", r.shard->scenario_digest},
                    {"start_at_epoch_s", r.shard->start_at_epoch_s},
                    {"start_late_s", r.shard->start_late_s},
                    {"files", {{"shard_log", "shard.jsonl"}}}};
  }
  if (!r.shards.empty()) {
    json shards = json::array();
    for (const auto& s : r.shards) {
      shards.push_back({{"index", s.index},
                        {"dir", s.dir},
                        {"threads", s.threads},
                        {"start_late_s", s.start_late_s},
                        {"measured_requests", requests_json(s.measured)},
                        {"achieved_rps", s.achieved_rps},
                        {"loadgen_cpu_avg", s.loadgen_cpu_avg},
                        {"loadgen_rss_max_bytes", s.loadgen_rss_max},
                        {"target_cpu_avg", s.target_cpu_avg ? json(*s.target_cpu_avg) : json(nullptr)},
                        {"target_rss_max_bytes", s.target_rss_max ? json(*s.target_rss_max) : json(nullptr)},
                        {"saturated", s.saturated},
                        {"warnings", s.warnings}});
    }
    out["shards"] = shards;
  }
  return out;
}

void write_result_json(const run::Result& result, const std::string& path) {
  write_file_atomically(path, to_json(result).dump(2) + "\n");
}

}  // namespace loadgen::reports
