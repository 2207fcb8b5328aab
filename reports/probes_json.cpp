#include "reports/probes_json.hpp"

#include <chrono>

namespace loadgen::reports {
namespace {

using nlohmann::json;

double ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }
double ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

json phase_json(const probes::PhaseRuns& p) {
  const auto& h = p.histogram;
  json runs = json::array();
  for (const auto& r : p.per_run) runs.push_back(r ? json(ms(*r)) : json(nullptr));
  json out = {{"name", p.name}, {"reached", h.total_count()}, {"missed", p.missed}, {"runs_ms", runs}};
  if (h.empty()) {
    for (const char* k : {"min_ms", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms"}) out[k] = nullptr;
  } else {
    const double ps[] = {50, 90, 95, 99};
    const auto v = h.values_at_percentiles(ps);
    out["min_ms"] = ms(h.min());
    out["mean_ms"] = h.mean() / 1e6;
    out["p50_ms"] = ms(v[0]);
    out["p90_ms"] = ms(v[1]);
    out["p95_ms"] = ms(v[2]);
    out["p99_ms"] = ms(v[3]);
    out["max_ms"] = ms(h.max());
  }
  const auto detection = probes::summarize_detection_errors(p.detection_errors);
  out["detection_error_ms"] =
      detection ? json{{"samples", detection->samples}, {"median", ms(detection->median)}, {"max_abs", ms(detection->max_abs)}}
                : json(nullptr);
  return out;
}

json failed_json(const probes::FailedRun& f) {
  return {{"run", f.run},
          {"phase", f.phase},
          {"reason", f.reason},
          {"exit", f.exit_description},
          {"exit_code", f.exit_code ? json(*f.exit_code) : json(nullptr)},
          {"stderr_tail", f.stderr_tail}};
}

json process_json(const run::ProcessResources& p) {
  const auto& s = p.summary;
  json timeline = json::array();
  for (const auto& x : p.samples) {
    const double t = static_cast<double>(x.at.count()) / 1e9 + p.offset_s;
    timeline.push_back({{"t_s", t},
                        {"cpu", x.has_cpu ? json(x.cpu()) : json(nullptr)},
                        {"cpu_user", x.has_cpu ? json(x.cpu_user) : json(nullptr)},
                        {"cpu_system", x.has_cpu ? json(x.cpu_system) : json(nullptr)},
                        {"rss_bytes", x.rss_bytes},
                        {"threads", x.threads},
                        {"fds", x.fds >= 0 ? json(x.fds) : json(nullptr)}});
  }
  return {{"pid", p.pid},
          {"interval_ms", p.interval_s * 1e3},
          {"offset_s", p.offset_s},
          {"samples", s.samples},
          {"span_s", static_cast<double>(s.span.count()) / 1e9},
          {"machine_cores", s.machine_cores},
          {"capacity_cores", s.capacity_cores},
          {"saturated", s.saturated},
          {"process_ended", s.process_ended},
          {"cpu",
           {{"avg", s.cpu_avg},
            {"p95", s.cpu_p95},
            {"max", s.cpu_max},
            {"user_avg", s.cpu_user_avg},
            {"system_avg", s.cpu_system_avg},
            {"avg_machine", s.cpu_avg_machine},
            {"p95_machine", s.cpu_p95_machine},
            {"max_machine", s.cpu_max_machine}}},
          {"rss_bytes", {{"start", s.rss_start}, {"max", s.rss_max}, {"end", s.rss_end}, {"mean", s.rss_mean}}},
          {"rss_slope_bytes_per_hour", s.rss_slope_bytes_per_hour ? json(*s.rss_slope_bytes_per_hour) : json(nullptr)},
          {"rss_slope_span_s", std::chrono::duration<double>(s.rss_slope_span).count()},
          {"rss_slope_note", s.rss_slope_note},
          {"threads", {{"max", s.threads_max}, {"mean", s.threads_mean}}},
          {"fds", {{"max", s.fds_max >= 0 ? json(s.fds_max) : json(nullptr)}, {"mean", s.fds_mean}}},
          {"timeline", timeline}};
}

}  // namespace

json startup_json(const run::StartupOutcome& startup) {
  json variants = json::array();
  for (const auto& v : startup.result.variants) {
    json phases = json::array();
    for (const auto& p : v.phases) phases.push_back(phase_json(p));
    json failed = json::array();
    for (const auto& f : v.failed) failed.push_back(failed_json(f));
    variants.push_back({{"name", v.name}, {"runs", v.runs}, {"failed_runs", v.failed.size()}, {"phases", phases}, {"failed", failed}});
  }
  return {{"source", startup.from_startup_block ? "startup" : "target.start"},
          {"interrupted", startup.result.interrupted},
          {"variants", variants}};
}

json resources_json(const run::ResourcesResult& resources) {
  return {{"target", resources.target ? process_json(*resources.target) : json(nullptr)},
          {"loadgen", resources.loadgen ? process_json(*resources.loadgen) : json(nullptr)}};
}

}  // namespace loadgen::reports
