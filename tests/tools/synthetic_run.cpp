#include "tests/tools/synthetic_run.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "probes/resource_stats.hpp"

namespace loadgen::testing {
namespace {

using Nanos = std::chrono::nanoseconds;

double ms_of(int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

// Nearest rank of sorted values; 0 when there are none.
double at_percentile(const std::vector<double>& sorted, double percentile) {
  if (sorted.empty())
    return 0;
  const auto rank =
      static_cast<size_t>(std::ceil(percentile / 100 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

run::LatencySummary summary_of(const metrics::Histogram& h) {
  run::LatencySummary s;
  if (h.empty())
    return s;
  s.count = h.total_count();
  s.min_ms = ms_of(h.min());
  s.mean_ms = h.mean() / 1e6;
  s.p50_ms = ms_of(h.value_at_percentile(50));
  s.p90_ms = ms_of(h.value_at_percentile(90));
  s.p95_ms = ms_of(h.value_at_percentile(95));
  s.p99_ms = ms_of(h.value_at_percentile(99));
  s.p999_ms = ms_of(h.value_at_percentile(99.9));
  s.max_ms = ms_of(h.max());
  return s;
}

run::ProcessResources process(int pid, size_t seconds, double base_mib, double growth_mib_per_s,
                              double cpu_level, std::mt19937& rng) {
  std::normal_distribution<double> noise(0, 1);
  run::ProcessResources p;
  p.pid = pid;
  p.interval_s = 1;
  p.offset_s = -0.5;
  probes::ResourceStats stats;
  for (size_t i = 0; i <= seconds; ++i) {
    probes::ResourceSample s;
    s.at = Nanos{static_cast<int64_t>(i) * 1'000'000'000};
    s.has_cpu = i > 0;
    s.cpu_user = s.has_cpu ? std::max(0.0, cpu_level * 0.8 + 0.05 * noise(rng)) : 0;
    s.cpu_system = s.has_cpu ? std::max(0.0, cpu_level * 0.2 + 0.01 * noise(rng)) : 0;
    const double mib = base_mib + growth_mib_per_s * static_cast<double>(i) + 0.5 * noise(rng);
    s.rss_bytes = static_cast<int64_t>(mib * 1024 * 1024);
    s.threads = 8;
    s.fds = 40 + static_cast<int>(i % 7);
    stats.add(s);
    p.samples.push_back(s);
  }
  p.summary = stats.summary(2.0);
  return p;
}

probes::VariantRuns variant(const std::string& name, double scale, bool with_failure,
                            std::mt19937& rng) {
  std::normal_distribution<double> noise(1, 0.08);
  probes::VariantRuns v;
  v.name = name;
  v.runs = 10;
  const char* phases[] = {"listening", "ready", "warm"};
  const double base_ms[] = {40, 180, 420};
  for (size_t k = 0; k < 3; ++k) {
    probes::PhaseRuns p;
    p.name = phases[k];
    for (int r = 0; r < v.runs; ++r) {
      if (with_failure && r == 3 && k > 0) {
        p.per_run.emplace_back(std::nullopt);
        ++p.missed;
        continue;
      }
      const Nanos d{static_cast<int64_t>(base_ms[k] * scale * noise(rng) * 1e6)};
      p.per_run.emplace_back(d);
      p.histogram.record(d.count());
      p.detection_errors.push_back(Nanos{static_cast<int64_t>(300'000 * noise(rng))});
    }
    v.phases.push_back(std::move(p));
  }
  if (with_failure) {
    probes::FailedRun f;
    f.run = 3;
    f.phase = "ready";
    f.reason = "the target exited with status 3 before 'ready'";
    f.exit_description = "exited with status 3";
    f.exit_code = 3;
    f.stderr_tail = {"listening on 127.0.0.1:0", "fatal: cannot open <db> & \"quit\""};
    v.failed.push_back(f);
  }
  return v;
}

}  // namespace

run::Result synthetic_run(size_t seconds, size_t values_per_second) {
  std::mt19937 rng(42);
  std::lognormal_distribution<double> latency_ms(1.0, 0.6);
  std::uniform_real_distribution<double> unit(0, 1);
  run::Result r;
  r.scenario = "soak <script>alert('x')</script> & \"co\"";
  r.scenario_file = "scenarios/soak.yaml";
  r.model = "arrival-rate";
  r.threads = 2;
  r.started_at = "2026-11-30T08:00:00.000Z";
  r.start_epoch_s = 1'796'025'600.0;
  r.duration_s = static_cast<double>(seconds);
  r.planned_duration_s = static_cast<double>(seconds);
  r.warmup_s = 0;
  r.by_name.resize(2);
  r.by_name[0].name = "list_items";
  r.by_name[1].name = "submit <job>";
  const double peak = 200;
  const size_t ramp = std::max<size_t>(1, seconds / 10), drain = std::max<size_t>(1, seconds / 20);
  uint64_t sent = 0, errors = 0, timeouts = 0, status_errors = 0;
  for (size_t i = 0; i < seconds; ++i) {
    const bool in_ramp = i < ramp, in_drain = i + drain >= seconds;
    const double level = in_ramp ? peak * static_cast<double>(i + 1) / static_cast<double>(ramp)
                         : in_drain
                             ? peak * static_cast<double>(seconds - i) / static_cast<double>(drain)
                             : peak;
    // Per-second figures from the sorted draws (a histogram per second would cost a 264 KiB
    // reset 86,400 times in a soak-sized run).
    std::vector<double> corrected_values, service_values;
    // A slow patch in the middle: the latency charts must show it.
    const bool slow = i > seconds / 2 && i < seconds / 2 + std::max<size_t>(2, seconds / 50);
    for (size_t v = 0; v < values_per_second; ++v) {
      const double service_ms = latency_ms(rng);
      const double corrected_ms = service_ms + (slow ? 40 * unit(rng) : 0);
      const auto c = static_cast<int64_t>(corrected_ms * 1e6);
      const auto s = static_cast<int64_t>(service_ms * 1e6);
      corrected_values.push_back(corrected_ms);
      service_values.push_back(service_ms);
      r.corrected.record(c);
      r.service.record(s);
      auto& n = r.by_name[(i + v) % 4 == 0 ? 1 : 0];
      n.corrected.record(c);
      n.service.record(s);
    }
    std::sort(corrected_values.begin(), corrected_values.end());
    std::sort(service_values.begin(), service_values.end());
    run::TimelinePoint p;
    p.t_s = static_cast<double>(i + 1);
    p.length_s = 1;
    p.stage = in_ramp ? "ramp" : in_drain ? "drain" : "hold";
    p.target_level = level;
    p.rps = level * (0.98 + 0.04 * unit(rng));
    p.in_flight = static_cast<int64_t>(level / 20 + (slow ? 30 : 0));
    p.dropped = slow && i % 2 == 0 ? 3 : 0;
    p.p50_ms = at_percentile(corrected_values, 50);
    p.p90_ms = at_percentile(corrected_values, 90);
    p.p99_ms = at_percentile(corrected_values, 99);
    p.max_ms = corrected_values.empty() ? 0 : corrected_values.back();
    p.service_p50_ms = at_percentile(service_values, 50);
    p.service_p99_ms = at_percentile(service_values, 99);
    p.send_lag_p99_ms = 0.05;
    if (i % 97 == 5)
      p.errors_by_kind["timeout"] = 1;
    if (slow)
      p.errors_by_kind["status"] = 2;
    for (const auto& [kind, count] : p.errors_by_kind) {
      p.errors += count;
      (kind == "timeout" ? timeouts : status_errors) += count;
    }
    errors += p.errors;
    sent += static_cast<uint64_t>(p.rps);
    r.requests.dropped += p.dropped;
    r.timeline.push_back(std::move(p));
  }
  r.requests.scheduled = sent + r.requests.dropped;
  r.requests.sent = sent;
  r.requests.errors = errors;
  r.requests.completed = sent - errors;
  r.requests.bytes_received = sent * 512;
  if (timeouts > 0)
    r.requests.errors_by_kind["timeout"] = timeouts;
  if (status_errors > 0)
    r.requests.errors_by_kind["status"] = status_errors;
  r.measured = r.requests;
  r.achieved_rps = static_cast<double>(sent) / static_cast<double>(std::max<size_t>(1, seconds));
  r.target_rps = r.achieved_rps * 1.001;
  r.latency = summary_of(r.corrected);
  r.service_latency = summary_of(r.service);
  for (auto& n : r.by_name) {
    n.requests.sent = static_cast<uint64_t>(n.corrected.total_count());
    n.requests.completed = n.requests.sent;
    n.measured = n.requests;
    n.achieved_rps =
        static_cast<double>(n.requests.sent) / static_cast<double>(std::max<size_t>(1, seconds));
    n.latency = summary_of(n.corrected);
    n.service_latency = summary_of(n.service);
  }
  r.slo = {{"http.p99 < 50ms", r.latency.p99_ms * 1e6, "p99", r.latency.p99_ms < 50, "p99 against < 50ms", std::nullopt, "ns"},
           {"http.error_rate < 1%", 0.001, "0.10%", true, "error_rate=0.10%, threshold < 1%", std::nullopt, "ratio"},
           {"submit <job>.p50 < 1ms", r.by_name[1].latency.p50_ms * 1e6, "p50", false, "p50 over 1ms & <rising>", std::nullopt, "ns"}};
  r.verdict = "fail";
  r.first_errors = {{"timeout", "timed out after 5s <no body>"},
                    {"status", "HTTP 503 \"Service Unavailable\""}};
  r.connections_by_protocol = {{"h2", 3}, {"http/1.1", 1}};
  r.h2_error_codes = {{"stream_reset", {{"INTERNAL_ERROR", 2}, {"CANCEL", 1}}}};
  r.target.started_by_loadgen = true;
  r.target.command = {"refserver", "--port", "0", "--db", "/tmp/x & y.sqlite3"};
  r.target.base_url = "http://127.0.0.1:41234";
  r.target.pid = 4242;
  r.target.listening_ms = 12.5;
  r.target.ready_ms = 180.25;
  r.target.stdout_path = "target.stdout.log";
  r.target.stderr_path = "target.stderr.log";
  r.target.exit_description = "stopped by SIGTERM";
  run::StartupOutcome startup;
  startup.from_startup_block = true;
  startup.result.variants.push_back(variant("sequential", 1.0, false, rng));
  startup.result.variants.push_back(variant("staged", 0.6, true, rng));
  r.startup = std::move(startup);
  r.resources.target = process(4242, seconds, 120, 0.002, 0.7, rng);
  r.resources.loadgen = process(4000, seconds, 40, 0, 1.85, rng);
  r.warnings = {"loadgen used 1.85 of 2 cores: results may measure the generator <not the target>"};
  r.plan_text = "ramp 0 -> 200/s over 10%\nhold 200/s\ndrain -> 0";
  r.scenario_yaml =
      "name: soak\n# </script><script>alert(1)</script>\nrequests:\n  - { name: \"submit <job>\", "
      "post: /api/jobs }\n";
  return r;
}

}  // namespace loadgen::testing
