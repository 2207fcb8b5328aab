#include "reports/capacity_json.hpp"
#include "reports/result_reader.hpp"

#include "reports/baselines/comparison_text.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/metrics/hlog.hpp"
#include "reports/hlog_report.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;
using Nanos = std::chrono::nanoseconds;

// A field's value, or `fallback` when it is absent or null (older files lack newer fields).
// A field of the wrong type is an error that names it.
template <typename T>
T get(const json& j, const char* key, T fallback = T{}) {
  if (!j.is_object())
    return fallback;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception& e) {
    throw std::runtime_error(fmt::format("field '{}': {}", key, e.what()));
  }
}

const json& section(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object())
    return kNull;
  const auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

// The writers turn ns into ms (or s) with one division; multiplying back and rounding gives
// the same integer, because doubles hold these magnitudes to far below a nanosecond.
Nanos from_ms(double ms) {
  return Nanos{std::llround(ms * 1e6)};
}
Nanos from_s(double s) {
  return Nanos{std::llround(s * 1e9)};
}

run::LatencySummary latency_of(const json& j) {
  run::LatencySummary s;
  s.count = get<int64_t>(j, "count");
  s.min_ms = get<double>(j, "min");
  s.mean_ms = get<double>(j, "mean");
  s.p50_ms = get<double>(j, "p50");
  s.p90_ms = get<double>(j, "p90");
  s.p95_ms = get<double>(j, "p95");
  s.p99_ms = get<double>(j, "p99");
  s.p999_ms = get<double>(j, "p999");
  s.max_ms = get<double>(j, "max");
  return s;
}

run::RequestFigures requests_of(const json& j) {
  run::RequestFigures f;
  f.scheduled = get<uint64_t>(j, "scheduled");
  f.sent = get<uint64_t>(j, "sent");
  f.completed = get<uint64_t>(j, "completed");
  f.errors = get<uint64_t>(j, "errors");
  f.dropped = get<uint64_t>(j, "dropped");
  f.bytes_received = get<uint64_t>(j, "bytes_received");
  f.resent = get<uint64_t>(j, "resent");
  f.redirects = get<uint64_t>(j, "redirects");
  f.not_sent = get<uint64_t>(j, "not_sent");
  f.errors_by_kind = get<std::map<std::string, uint64_t>>(j, "errors_by_kind");
  return f;
}

run::TimelinePoint point_of(const json& j) {
  run::TimelinePoint p;
  p.t_s = get<double>(j, "t_s");
  p.length_s = get<double>(j, "length_s");
  p.stage = get<std::string>(j, "stage");
  p.target_level = get<double>(j, "target");
  p.rps = get<double>(j, "rps");
  p.p50_ms = get<double>(j, "p50_ms");
  p.p90_ms = get<double>(j, "p90_ms");
  p.p99_ms = get<double>(j, "p99_ms");
  p.max_ms = get<double>(j, "max_ms");
  p.service_p50_ms = get<double>(j, "service_p50_ms");
  p.service_p99_ms = get<double>(j, "service_p99_ms");
  p.send_lag_p99_ms = get<double>(j, "send_lag_p99_ms");
  p.errors = get<uint64_t>(j, "errors");
  p.errors_by_kind = get<std::map<std::string, uint64_t>>(j, "errors_by_kind");
  p.dropped = get<uint64_t>(j, "dropped");
  p.in_flight = get<int64_t>(j, "in_flight");
  p.users = get<int64_t>(j, "users");
  return p;
}

run::TargetInfo target_of(const json& j) {
  run::TargetInfo t;
  t.started_by_loadgen = get<bool>(j, "started_by_loadgen");
  t.base_url = get<std::string>(j, "base_url");
  t.command = get<std::vector<std::string>>(j, "command");
  t.pid = get<int>(j, "pid");
  t.listening_ms = get<double>(j, "listening_ms");
  t.ready_ms = get<double>(j, "ready_ms");
  t.stdout_path = get<std::string>(j, "stdout");
  t.stderr_path = get<std::string>(j, "stderr");
  t.exit_description = get<std::string>(j, "exit");
  return t;
}

// result.json keeps only the summary of the detection errors (samples, median, largest
// deviation); rebuild a set of that size with that summary, which is all reports show.
std::vector<Nanos> detection_errors_with(const json& j) {
  if (!j.is_object())
    return {};
  const auto samples = get<size_t>(j, "samples");
  const Nanos median = from_ms(get<double>(j, "median"));
  const Nanos max_abs = from_ms(get<double>(j, "max_abs"));
  if (samples == 0)
    return {};
  if (samples == 1)
    return {median};
  if (samples == 2) {
    // (a + b) / 2 == median and max(b, -a) == max_abs.
    if (median >= Nanos{0})
      return {2 * median - max_abs, max_abs};
    return {-max_abs, 2 * median + max_abs};
  }
  std::vector<Nanos> out(samples - 1, median);
  out.push_back(max_abs);
  return out;
}

probes::PhaseRuns phase_of(const json& j) {
  probes::PhaseRuns p;
  p.name = get<std::string>(j, "name");
  p.missed = get<int>(j, "missed");
  for (const auto& r : section(j, "runs_ms")) {
    if (r.is_null()) {
      p.per_run.emplace_back(std::nullopt);
      continue;
    }
    const Nanos d = from_ms(r.get<double>());
    p.per_run.emplace_back(d);
    p.histogram.record(d.count());
  }
  p.detection_errors = detection_errors_with(section(j, "detection_error_ms"));
  return p;
}

probes::FailedRun failed_of(const json& j) {
  probes::FailedRun f;
  f.run = get<int>(j, "run");
  f.phase = get<std::string>(j, "phase");
  f.reason = get<std::string>(j, "reason");
  f.exit_description = get<std::string>(j, "exit");
  if (const auto& code = section(j, "exit_code"); code.is_number())
    f.exit_code = code.get<int>();
  f.stderr_tail = get<std::vector<std::string>>(j, "stderr_tail");
  return f;
}

std::optional<run::StartupOutcome> startup_of(const json& j) {
  if (!j.is_object())
    return std::nullopt;
  run::StartupOutcome s;
  s.from_startup_block = get<std::string>(j, "source") == "startup";
  s.result.interrupted = get<bool>(j, "interrupted");
  for (const auto& v : section(j, "variants")) {
    probes::VariantRuns variant;
    variant.name = get<std::string>(v, "name");
    variant.runs = get<int>(v, "runs");
    for (const auto& p : section(v, "phases"))
      variant.phases.push_back(phase_of(p));
    for (const auto& f : section(v, "failed"))
      variant.failed.push_back(failed_of(f));
    s.result.variants.push_back(std::move(variant));
  }
  return s;
}

std::optional<run::ProcessResources> process_of(const json& j) {
  if (!j.is_object())
    return std::nullopt;
  run::ProcessResources p;
  p.pid = get<int>(j, "pid");
  p.interval_s = get<double>(j, "interval_ms") / 1e3;
  p.offset_s = get<double>(j, "offset_s");
  auto& s = p.summary;
  s.samples = get<size_t>(j, "samples");
  s.span = from_s(get<double>(j, "span_s"));
  s.machine_cores = get<int>(j, "machine_cores", 1);
  s.capacity_cores = get<double>(j, "capacity_cores", 1.0);
  s.saturated = get<bool>(j, "saturated");
  s.process_ended = get<bool>(j, "process_ended");
  const auto& cpu = section(j, "cpu");
  s.cpu_avg = get<double>(cpu, "avg");
  s.cpu_p95 = get<double>(cpu, "p95");
  s.cpu_max = get<double>(cpu, "max");
  s.cpu_user_avg = get<double>(cpu, "user_avg");
  s.cpu_system_avg = get<double>(cpu, "system_avg");
  s.cpu_avg_machine = get<double>(cpu, "avg_machine");
  s.cpu_p95_machine = get<double>(cpu, "p95_machine");
  s.cpu_max_machine = get<double>(cpu, "max_machine");
  const auto& rss = section(j, "rss_bytes");
  s.rss_start = get<int64_t>(rss, "start");
  s.rss_max = get<int64_t>(rss, "max");
  s.rss_end = get<int64_t>(rss, "end");
  s.rss_mean = get<double>(rss, "mean");
  if (const auto& slope = section(j, "rss_slope_bytes_per_hour"); slope.is_number()) {
    s.rss_slope_bytes_per_hour = slope.get<double>();
  }
  s.rss_slope_span = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(get<double>(j, "rss_slope_span_s")));
  s.rss_slope_note = get<std::string>(j, "rss_slope_note");
  s.threads_max = get<int>(section(j, "threads"), "max");
  s.threads_mean = get<double>(section(j, "threads"), "mean");
  s.fds_max = get<int>(section(j, "fds"), "max", -1);
  s.fds_mean = get<double>(section(j, "fds"), "mean");
  for (const auto& x : section(j, "timeline")) {
    probes::ResourceSample sample;
    sample.at = from_s(get<double>(x, "t_s") - p.offset_s);
    sample.has_cpu = section(x, "cpu_user").is_number();
    sample.cpu_user = get<double>(x, "cpu_user");
    sample.cpu_system = get<double>(x, "cpu_system");
    sample.rss_bytes = get<int64_t>(x, "rss_bytes");
    sample.threads = get<int>(x, "threads");
    sample.fds = get<int>(x, "fds", -1);
    if (sample.has_cpu)
      s.cpu_histogram.record(std::llround(sample.cpu() * 1e4));
    p.samples.push_back(sample);
  }
  return p;
}

run::Result result_of(const json& j) {
  if (!j.is_object())
    throw std::runtime_error("not a loadgen result (a JSON object was expected)");
  if (!j.contains("scenario") || !j.contains("timeline")) {
    throw std::runtime_error("not a loadgen result (no 'scenario' or 'timeline' field)");
  }
  run::Result r;
  r.scenario = get<std::string>(j, "scenario");
  r.scenario_file = get<std::string>(j, "scenario_file");
  r.verdict = get<std::string>(j, "verdict");
  if (j.contains("verdict_reasons")) r.verdict_reasons = j.at("verdict_reasons").get<std::vector<std::string>>();
  r.interrupted = get<bool>(j, "interrupted");
  r.started_at = get<std::string>(j, "started_at");
  r.start_epoch_s = get<double>(j, "start_epoch_s");
  r.duration_s = get<double>(j, "duration_s");
  r.planned_duration_s = get<double>(j, "planned_duration_s");
  r.warmup_s = get<double>(j, "warmup_s");
  r.model = get<std::string>(j, "model");
  r.threads = get<int>(j, "threads");
  r.requests = requests_of(section(j, "requests"));
  r.measured = requests_of(section(j, "measured_requests"));
  r.target_rps = get<double>(section(j, "throughput"), "target_rps");
  r.achieved_rps = get<double>(section(j, "throughput"), "achieved_rps");
  r.latency = latency_of(section(j, "latency_ms"));
  r.service_latency = latency_of(section(j, "service_latency_ms"));
  r.send_lag = latency_of(section(j, "send_lag_ms"));
  // by_name is an object, and nlohmann's object keeps its keys sorted: the run's order is
  // lost, so reports list the names alphabetically after a re-read.
  for (const auto& [name, n] : section(j, "by_name").items()) {
    run::NameResult out;
    out.name = name;
    out.requests = requests_of(section(n, "requests"));
    out.measured = requests_of(section(n, "measured_requests"));
    out.achieved_rps = get<double>(section(n, "throughput"), "achieved_rps");
    out.latency = latency_of(section(n, "latency_ms"));
    out.service_latency = latency_of(section(n, "service_latency_ms"));
    r.by_name.push_back(std::move(out));
  }
  for (const auto& p : section(j, "timeline"))
    r.timeline.push_back(point_of(p));
  for (const auto& s : section(j, "slo")) {
    run::SloOutcome o;
    o.expression = get<std::string>(s, "expr");
    if (const auto& observed = section(s, "observed"); observed.is_number())
      o.observed = observed.get<double>();
    o.observed_text = get<std::string>(s, "observed_text");
    if (const auto& unit = section(s, "unit"); unit.is_string()) o.unit = unit.get<std::string>();
    o.pass = get<bool>(s, "pass");
    o.detail = get<std::string>(s, "detail");
    if (const auto& w = section(s, "worst_window"); w.is_object()) {
      run::SloWindow window;
      window.start_s = get<double>(w, "start_s");
      window.end_s = get<double>(w, "end_s");
      window.windows = get<size_t>(w, "windows");
      window.failed = get<size_t>(w, "failed");
      window.partial = get<bool>(w, "partial");
      o.window = window;
    }
    r.slo.push_back(std::move(o));
  }
  r.first_errors = get<std::map<std::string, std::string>>(j, "first_errors");
  r.connections_by_protocol = get<std::map<std::string, uint64_t>>(section(j, "connections"), "protocols");
  r.h2_error_codes = get<std::map<std::string, std::map<std::string, uint64_t>>>(j, "h2_error_codes");
  r.target = target_of(section(j, "target"));
  r.startup = startup_of(section(j, "startup"));
  r.resources.target = process_of(section(section(j, "resources"), "target"));
  r.resources.loadgen = process_of(section(section(j, "resources"), "loadgen"));
  // The comparison made at run time, so a re-render shows the same verdict against it.
  if (const auto& b = section(j, "baseline"); b.is_object()) r.baseline = baseline_from_json(b);
  if (const auto& c = section(j, "capacity"); c.is_object()) r.capacity = capacity_from_json(c);
  if (const auto& sh = section(j, "shard"); sh.is_object()) {
    r.shard = run::ShardOfRun{get<int>(sh, "index"), get<int>(sh, "count"), get<std::string>(sh, "scenario_digest"),
                              get<double>(sh, "start_at_epoch_s"), get<double>(sh, "start_late_s")};
  }
  for (const auto& sh : section(j, "shards")) {
    run::MergedShard m;
    m.index = get<int>(sh, "index");
    m.dir = get<std::string>(sh, "dir");
    m.threads = get<int>(sh, "threads");
    m.start_late_s = get<double>(sh, "start_late_s");
    m.measured = requests_of(section(sh, "measured_requests"));
    m.achieved_rps = get<double>(sh, "achieved_rps");
    m.loadgen_cpu_avg = get<double>(sh, "loadgen_cpu_avg");
    m.loadgen_rss_max = get<int64_t>(sh, "loadgen_rss_max_bytes");
    if (const auto& c = section(sh, "target_cpu_avg"); c.is_number()) m.target_cpu_avg = c.get<double>();
    if (const auto& x = section(sh, "target_rss_max_bytes"); x.is_number()) m.target_rss_max = x.get<int64_t>();
    m.saturated = get<bool>(sh, "saturated");
    m.warnings = get<std::vector<std::string>>(sh, "warnings");
    r.shards.push_back(std::move(m));
  }
  r.warnings = get<std::vector<std::string>>(j, "warnings");
  r.plan_text = get<std::string>(j, "plan");
  r.scenario_yaml = get<std::string>(j, "scenario_yaml");
  return r;
}

}  // namespace

core::Expected<LoadedRun> result_from_json(const json& j, const std::string& source_name) {
  try {
    LoadedRun loaded{result_of(j), section(j, "context"), false};
    return loaded;
  } catch (const std::exception& e) {
    return core::Expected<LoadedRun>::failure(fmt::format("{}: {}", source_name, e.what()));
  }
}

core::Expected<LoadedRun> result_from_json_text(std::string_view text,
                                                const std::string& source_name) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return core::Expected<LoadedRun>::failure(
        fmt::format("{}: not valid JSON (byte {}): {}", source_name, e.byte, e.what()));
  }
  return result_from_json(j, source_name);
}

core::Expected<bool> add_histograms_from_hlog(std::istream& in, const std::string& source_name,
                                              run::Result& r) {
  auto log = metrics::read_hlog(in, source_name);
  if (!log)
    return core::Expected<bool>::failure(log.error());
  std::map<std::string, size_t> by_tag;
  for (size_t i = 0; i < r.by_name.size(); ++i)
    by_tag.emplace(HlogReport::tag_of(r.by_name[i].name), i);
  for (const auto& interval : log->intervals) {
    if (interval.start_s < r.warmup_s - 1e-3)
      continue;  // the run left warm-up out (to the ms the log keeps)
    if (interval.tag.empty()) {
      r.corrected.add(interval.histogram);
    } else if (interval.tag == "service") {
      r.service.add(interval.histogram);
    } else if (interval.tag == "send_lag") {
      r.send_lag_histogram.add(interval.histogram);
    } else if (const auto it = by_tag.find(interval.tag); it != by_tag.end()) {
      r.by_name[it->second].corrected.add(interval.histogram);
    }
  }
  return true;
}

core::Expected<LoadedRun> read_run(const std::string& dir) {
  const std::string json_path = (std::filesystem::path(dir) / "result.json").string();
  std::ifstream in(json_path, std::ios::binary);
  if (!in)
    return core::Expected<LoadedRun>::failure(
        fmt::format("{}: cannot be read (no such file?)", json_path));
  std::stringstream text;
  text << in.rdbuf();
  auto loaded = result_from_json_text(text.str(), json_path);
  if (!loaded)
    return loaded;
  LoadedRun run = std::move(loaded).value();
  run.result.report_dir = dir;
  const std::string hlog_path = (std::filesystem::path(dir) / "latency.hlog").string();
  std::ifstream hlog(hlog_path);
  if (hlog) {
    auto added = add_histograms_from_hlog(hlog, hlog_path, run.result);
    if (!added)
      return core::Expected<LoadedRun>::failure(added.error());
    run.has_hlog = true;
  }
  return run;
}

}  // namespace loadgen::reports
