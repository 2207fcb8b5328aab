#include "harness/run/runner.hpp"
#include "harness/run/profile_watch.hpp"
#include "harness/run/target_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <functional>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/http/types.hpp"
#include "harness/run/probe_runs.hpp"
#include "probes/child_process.hpp"
#include "harness/run/collect_flows.hpp"

namespace loadgen::run {
namespace {

using Clock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;
using std::chrono::duration_cast;

double to_ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }
double to_seconds(Nanos d) { return static_cast<double>(d.count()) / 1e9; }

// A final interval shorter than this is folded into the one before (Sampler::fold_last_interval).
constexpr double kSliverS = 0.5;

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const auto ms = duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

RequestFigures figures_of(const load::CounterValues& c) {
  RequestFigures f;
  f.scheduled = c.scheduled;
  f.sent = c.sent;
  f.completed = c.completed;
  f.errors = c.error_total();
  f.dropped = c.dropped;
  f.bytes_received = c.bytes_received;
  f.resent = c.resent;
  f.redirects = c.redirects;
  f.not_sent = c.not_sent;
  for (size_t k = 0; k < c.errors.size(); ++k) {
    if (c.errors[k] != 0) f.errors_by_kind[std::string(http::to_string(static_cast<http::ErrorKind>(k)))] = c.errors[k];
  }
  return f;
}

load::Plan plan_of(const scenario::LoadSpec& load) {
  std::vector<load::PlanStage> stages;
  for (const auto& s : load.stages) stages.push_back({s.name, s.from, s.to, s.duration});
  return load::Plan(std::move(stages));
}

std::string bind_port(const scenario::Template& t, int port) {
  return t.expand([port](std::string_view name) -> std::optional<std::string> {
    if (name == "port" && port > 0) return std::to_string(port);
    return std::nullopt;
  });
}

// Starts the target when the scenario asks, timing its phases; fills result.target (and
// result.startup, unless a startup: block measures start-up). False on failure.
bool start_target(const scenario::Scenario& sc, const std::string& report_dir, Result& result,
                  std::unique_ptr<probes::ChildProcess>& launched, int& port, RunFailure& failure,
                  const std::atomic<bool>* interrupted) {
  const auto options = target_start_options(*sc.target.start, report_dir);
  result.target.started_by_loadgen = true;
  result.target.stdout_path = options.stdout_path;
  result.target.stderr_path = options.stderr_path;
  result.target.command = options.argv;
  auto start = probes::start_timed(options, interrupted);
  if (!start) {
    failure = {RunFailure::Kind::kTargetFailed, "the target could not be started: " + start.error()};
    return false;
  }
  auto timed = std::move(start).value();
  result.target.command = timed.argv;
  if (!sc.startup) result.startup = single_start_outcome(options, timed);
  if (timed.phase_after.size() == 2) {
    result.target.listening_ms = timed.phase_after[0] ? to_ms(timed.phase_after[0]->count()) : 0;
    result.target.ready_ms = timed.phase_after[1] ? to_ms(timed.phase_after[1]->count()) : 0;
  }
  if (!timed.ok()) {
    // Ctrl-C while waiting for readiness is an interruption (exit 130), not a failed target (3).
    result.interrupted = timed.interrupted;
    result.target.exit_description = timed.exit_description;
    failure = {RunFailure::Kind::kTargetFailed, "the target could not be started: " + start_failure_text(timed)};
    return false;
  }
  launched = std::move(timed.process);
  port = timed.port;
  result.target.pid = launched->pid();
  return true;
}

// The per-run state of the once-a-second sampler.
class Sampler {
 public:
  Sampler(const scenario::Scenario& sc, const load::Plan& plan, Result& result, const RunOptions& options)
      : sc_(sc), plan_(plan), result_(result), options_(options) {
    names_ = load::metric_layout(sc.requests, sc.flows).names;
    result_.by_name.resize(names_.size());
    for (size_t i = 0; i < names_.size(); ++i) result_.by_name[i].name = names_[i];
  }

  // `last`: the run's final interval, which is folded into the one before when it is a sliver.
  void sample(load::IntervalSource& source, double interval_start_s, bool last = false) {
    // The previous interval's histograms stay at hand (swapped, not copied) for that fold.
    while (prev_name_corrected_.size() < snapshot_.by_name.size()) {
      prev_name_corrected_.push_back(metrics::Histogram::for_latency_ns());
    }
    for (size_t i = 0; i < snapshot_.by_name.size(); ++i) std::swap(prev_name_corrected_[i], snapshot_.by_name[i].corrected);
    std::swap(prev_send_lag_, snapshot_.send_lag);
    std::swap(prev_interval_, interval_);
    std::swap(prev_interval_service_, interval_service_);
    source.collect_interval(snapshot_);
    const double end_s = to_seconds(snapshot_.elapsed);
    const double length_s = std::max(1e-3, end_s - interval_start_s);
    load::CounterValues totals;
    for (const auto& n : snapshot_.by_name) {
      if (n.http) totals.add(n.totals);
    }
    const auto delta = totals.minus(previous_totals_);
    previous_totals_ = totals;

    interval_.reset();
    interval_service_.reset();
    for (const auto& n : snapshot_.by_name) {
      if (!n.http) continue;  // flows are journeys, measured by name only
      interval_.add(n.corrected);
      interval_service_.add(n.service);
    }
    const bool warm = interval_start_s < to_seconds(sc_.load.warmup) - 1e-9;
    if (!warm) accumulate(interval_, interval_service_);
    if (warm) {
      // Counters are cumulative: remember where warm-up ended, to subtract it later.
      warmup_totals_ = totals;
      warmup_by_name_.clear();
      for (const auto& n : snapshot_.by_name) warmup_by_name_.push_back(n.totals);
    }

    TimelinePoint p = point_of(interval_, interval_service_, snapshot_.send_lag, delta, interval_start_s, end_s, length_s);
    result_.timeline.push_back(p);
    add_name_points(end_s);
    result_.requests = figures_of(totals);
    const IntervalView view{interval_start_s, result_.timeline.back(), snapshot_, names_, warm, &interval_, &interval_service_};
    for (auto* o : options_.observers) o->on_interval(view);
    if (last && length_s < kSliverS && result_.timeline.size() >= 2) fold_last_interval(delta, end_s);
    prev_delta_ = delta;
    prev_start_s_ = interval_start_s;
    last_end_s_ = end_s;
    final_totals_ = totals;
  }

  void finish() {
    // Rates are per second of the time the load was applied (after warm-up, until the plan
    // ended or the run was interrupted), not of the drain that waits for the last responses:
    // 300/s held exactly with 1 s latency is 300/s.
    const double applied_end_s = std::min(last_end_s_, to_seconds(plan_.duration()));
    const double measured_s = std::max(1e-3, applied_end_s - to_seconds(sc_.load.warmup));
    const auto measured = final_totals_.minus(warmup_totals_);
    result_.duration_s = last_end_s_;
    result_.measured = figures_of(measured);
    result_.achieved_rps = static_cast<double>(measured.responses()) / measured_s;
    const double planned_from = plan_.cumulative(sc_.load.warmup);
    const double planned_to = plan_.cumulative(Nanos{static_cast<int64_t>(applied_end_s * 1e9)});
    result_.target_rps = sc_.load.model == scenario::LoadModel::kArrivalRate ? (planned_to - planned_from) / measured_s : 0;
    result_.latency = summarize(result_.corrected);
    result_.service_latency = summarize(result_.service);
    result_.send_lag = summarize(result_.send_lag_histogram);
    for (size_t i = 0; i < names_.size(); ++i) {
      auto& n = result_.by_name[i];
      n.requests = figures_of(snapshot_.by_name[i].totals);
      const auto m = snapshot_.by_name[i].totals.minus(warmup_by_name(i));
      n.measured = figures_of(m);
      // A flow's rate is journeys ended; a request's, responses received.
      n.achieved_rps = static_cast<double>(snapshot_.by_name[i].http ? m.responses() : m.finished()) / measured_s;
      n.latency = summarize(n.corrected);
      n.service_latency = summarize(n.service);
    }
  }

 private:
  load::CounterValues warmup_by_name(size_t i) const {
    return i < warmup_by_name_.size() ? warmup_by_name_[i] : load::CounterValues{};
  }

  // Per name, the interval's count, errors and percentiles: what baselines compare by name.
  void add_name_points(double end_s) {
    previous_by_name_.resize(names_.size());
    for (size_t i = 0; i < names_.size(); ++i) {
      const auto& n = snapshot_.by_name[i];
      const auto d = n.totals.minus(previous_by_name_[i]);
      previous_by_name_[i] = n.totals;
      const double ps[] = {50, 99};
      const auto v = n.corrected.values_at_percentiles(ps);
      result_.by_name[i].timeline.push_back(
          {end_s, n.http ? d.responses() : d.finished(), d.error_total(), to_ms(v[0]), to_ms(v[1])});
    }
  }

  // The run's last moments (1.5 ms holding one response after the last full second) charted on
  // their own read as a spike (650 req/s): the timeline point before takes them in. Live
  // observers and the .hlog saw the sliver as it was; totals are not touched.
  void fold_last_interval(const load::CounterValues& delta, double end_s) {
    result_.timeline.pop_back();
    result_.timeline.pop_back();
    interval_.add(prev_interval_);
    interval_service_.add(prev_interval_service_);
    auto send_lag = prev_send_lag_;
    send_lag.add(snapshot_.send_lag);
    auto both = prev_delta_;
    both.add(delta);
    result_.timeline.push_back(point_of(interval_, interval_service_, send_lag, both, prev_start_s_, end_s,
                                        std::max(1e-3, end_s - prev_start_s_)));
    const double ps[] = {50, 99};
    for (size_t i = 0; i < names_.size(); ++i) {
      auto& points = result_.by_name[i].timeline;
      if (points.size() < 2) continue;
      const auto sliver = points.back();
      points.pop_back();
      auto& merged = points.back();
      merged.t_s = sliver.t_s;
      merged.count += sliver.count;
      merged.errors += sliver.errors;
      if (sliver.count == 0) continue;
      prev_name_corrected_[i].add(snapshot_.by_name[i].corrected);
      const auto v = prev_name_corrected_[i].values_at_percentiles(ps);
      merged.p50_ms = to_ms(v[0]);
      merged.p99_ms = to_ms(v[1]);
    }
  }

  void accumulate(const metrics::Histogram& interval, const metrics::Histogram& interval_service) {
    result_.corrected.add(interval);
    result_.service.add(interval_service);
    result_.send_lag_histogram.add(snapshot_.send_lag);
    for (size_t i = 0; i < names_.size(); ++i) {
      result_.by_name[i].corrected.add(snapshot_.by_name[i].corrected);
      result_.by_name[i].service.add(snapshot_.by_name[i].service);
    }
  }

  TimelinePoint point_of(const metrics::Histogram& h, const metrics::Histogram& service,
                         const metrics::Histogram& send_lag, const load::CounterValues& delta, double start_s, double end_s, double length_s) {
    TimelinePoint p;
    p.t_s = end_s;
    p.length_s = length_s;
    const auto mid = Nanos{static_cast<int64_t>((start_s + end_s) / 2 * 1e9)};
    p.stage = plan_.stages().empty() ? "" : plan_.stages()[plan_.stage_at(mid)].name;
    p.target_level = plan_.level_at(mid);
    p.rps = static_cast<double>(delta.responses()) / length_s;
    p.errors = delta.error_total();
    p.dropped = delta.dropped;
    p.in_flight = snapshot_.in_flight;
    p.users = snapshot_.active_users;
    const double ps[] = {50, 90, 99};
    const auto v = h.values_at_percentiles(ps);
    p.p50_ms = to_ms(v[0]);
    p.p90_ms = to_ms(v[1]);
    p.p99_ms = to_ms(v[2]);
    p.max_ms = to_ms(h.max());
    p.service_p50_ms = to_ms(service.value_at_percentile(50));
    p.service_p99_ms = to_ms(service.value_at_percentile(99));
    p.send_lag_p99_ms = to_ms(send_lag.value_at_percentile(99));
    for (const auto& [kind, count] : figures_of(delta).errors_by_kind) p.errors_by_kind[kind] = count;
    return p;
  }

  const scenario::Scenario& sc_;
  const load::Plan& plan_;
  Result& result_;
  const RunOptions& options_;
  std::vector<std::string> names_;
  load::IntervalSnapshot snapshot_;
  // This interval's, over all HTTP requests; reused from one second to the next (a fresh
  // pair would zero 2 x 270 KB every second).
  metrics::Histogram interval_ = metrics::Histogram::for_latency_ns();
  metrics::Histogram interval_service_ = metrics::Histogram::for_latency_ns();
  // The interval before, for folding a final sliver into it.
  metrics::Histogram prev_interval_ = metrics::Histogram::for_latency_ns();
  metrics::Histogram prev_interval_service_ = metrics::Histogram::for_latency_ns();
  metrics::Histogram prev_send_lag_ = metrics::Histogram::for_latency_ns();
  std::vector<metrics::Histogram> prev_name_corrected_;
  load::CounterValues prev_delta_;
  double prev_start_s_ = 0;
  load::CounterValues previous_totals_, warmup_totals_, final_totals_;
  std::vector<load::CounterValues> warmup_by_name_;
  std::vector<load::CounterValues> previous_by_name_;
  double last_end_s_ = 0;
};

bool interrupted(const RunOptions& options) {
  return options.interrupted != nullptr && options.interrupted->load();
}

// Sleeps until the next one-second tick in short slices, so that Ctrl-C is felt at once;
// returns early once the plan is over and every request has drained.
void wait_for_tick(Clock::time_point tick, Clock::time_point plan_end, const load::Engine& engine,
                   const RunOptions& options) {
  while (Clock::now() < tick && !interrupted(options)) {
    if (Clock::now() >= plan_end && engine.finished()) return;
    if (engine.finished()) return;  // early: every flow's feed ran out (at_end: stop)
    std::this_thread::sleep_for(std::min<Clock::duration>(tick - Clock::now(), std::chrono::milliseconds(20)));
  }
}

void drive(load::Engine& engine, Sampler& sampler, const load::Plan& plan, Nanos drain_limit,
           const RunOptions& options, Result& result, std::optional<Clock::time_point> agreed_zero,
           const std::function<void(Clock::time_point)>& on_started) {
  engine.start(agreed_zero);
  const auto zero = engine.start_time();
  if (on_started) on_started(zero);
  double interval_start_s = 0;
  for (int64_t second = 1;; ++second) {
    const auto plan_end = zero + plan.duration();
    const auto drain_end = plan_end + drain_limit;
    wait_for_tick(zero + std::chrono::seconds(second), plan_end, engine, options);
    if (interrupted(options)) {
      result.interrupted = true;
      engine.abort_and_join();
      sampler.sample(engine, interval_start_s, /*last=*/true);
      return;
    }
    const bool done = engine.finished();  // at plan_end, or earlier when the feeds ran out
    if (Clock::now() >= drain_end && !engine.finished()) {
      result.warnings.push_back(fmt::format("requests still in flight {} after the plan ended were cancelled",
                                            core::format_duration(drain_limit)));
      engine.abort_and_join();
      sampler.sample(engine, interval_start_s, /*last=*/true);
      return;
    }
    if (Clock::now() >= plan_end) engine.stop_scheduling();
    sampler.sample(engine, interval_start_s, /*last=*/done);
    interval_start_s = result.timeline.back().t_s;
    if (done) {
      engine.join();
      return;
    }
  }
}

}  // namespace

LatencySummary summarize(const metrics::Histogram& h) {
  LatencySummary s;
  s.count = h.total_count();
  if (s.count == 0) return s;
  const double ps[] = {50, 90, 95, 99, 99.9};
  const auto v = h.values_at_percentiles(ps);
  s.min_ms = to_ms(h.min());
  s.mean_ms = h.mean() / 1e6;
  s.p50_ms = to_ms(v[0]);
  s.p90_ms = to_ms(v[1]);
  s.p95_ms = to_ms(v[2]);
  s.p99_ms = to_ms(v[3]);
  s.p999_ms = to_ms(v[4]);
  s.max_ms = to_ms(h.max());
  return s;
}

namespace {

void note_loadgen_saturation(Result& result) {
  if (!result.resources.loadgen || !result.resources.loadgen->summary.saturated) return;
  const auto& s = result.resources.loadgen->summary;
  result.warnings.push_back(fmt::format(
      "loadgen itself used {:.0f}% of the {:.0f} core(s) its threads can use (avg {:.2f} cores): the results may "
      "measure the generator, not the target",
      s.cpu_avg / s.capacity_cores * 100, s.capacity_cores, s.cpu_avg));
}

}  // namespace

Result TargetSession::begin_trial() const {
  Result trial;
  trial.scenario = header_.scenario;
  trial.scenario_file = header_.scenario_file;
  trial.scenario_yaml = header_.scenario_yaml;
  trial.report_dir = header_.report_dir;
  trial.target = header_.target;
  trial.startup = header_.startup;
  trial.started_at = header_.started_at;
  trial.warnings = header_.warnings;
  return trial;
}

bool TargetSession::start(const scenario::Scenario& sc, const RunOptions& options, Result& result,
                          RunFailure& failure) {
  sc_ = &sc;
  stop_grace_ = sc.target.start ? sc.target.start->stop_grace : Nanos{0};
  int port = 0;
  if (sc.target.start && !start_target(sc, options.report_dir, result, launched_, port, failure, options.interrupted)) {
    return false;
  }
  result.target.base_url = bind_port(sc.target.base_url, port);
  if (sc.probes.metrics) metrics_url_ = scrape_url_of(*sc.probes.metrics, result.target.base_url, port);
  header_ = result;
  return true;
}

pid_t TargetSession::watched_pid(const RunOptions& options, Result& result) const {
  if (launched_) return launched_->pid();
  if (options.target_pid) return *options.target_pid;
  if (sc_->probes.resources.pid_file) {
    auto pid = probes::read_pid_file(*sc_->probes.resources.pid_file);
    if (pid) return *pid;
    result.warnings.push_back("target resources not sampled: " + pid.error());
  }
  return 0;
}

bool TargetSession::target_exited() {
  return launched_ && !launched_->running();
}

void TargetSession::finish(Result& result) {
  if (!launched_) return;
  if (!launched_->running()) {
    result.warnings.push_back("the target exited during the run: " + launched_->exit_description());
  }
  result.target.exit_description = launched_->stop(stop_grace_);
  launched_.reset();
}

TargetSession::~TargetSession() {
  if (launched_) launched_->stop(stop_grace_);
}

namespace {

load::Plan describe_plan(const scenario::Scenario& sc, Result& result) {
  result.model = sc.load.model == scenario::LoadModel::kArrivalRate ? "arrival-rate" : "vus";
  result.warmup_s = to_seconds(sc.load.warmup);
  auto plan = plan_of(sc.load);
  result.planned_duration_s = to_seconds(plan.duration());
  result.plan_text = plan.describe(sc.load.model == scenario::LoadModel::kVirtualUsers);
  return plan;
}

// A shard's part of a limit the scenario gives for the whole run (max_in_flight,
// connections): shared out as threads share it, at least one each.
int shard_share(int whole, const std::optional<ShardSpec>& shard) {
  if (!shard || whole <= 0) return whole;
  return std::max(1, (whole + shard->index) / shard->count);
}

// Waits for --start-at in short slices (Ctrl-C is felt at once). Returns the schedule's time
// zero on the steady clock, or nothing when interrupted; notes a late start in `result`.
std::optional<Clock::time_point> wait_for_start(std::chrono::system_clock::time_point start_at,
                                                const RunOptions& options, Result& result) {
  using std::chrono::system_clock;
  for (;;) {
    if (interrupted(options)) return std::nullopt;
    const auto left = start_at - system_clock::now();
    if (left <= std::chrono::milliseconds(5)) break;
    std::this_thread::sleep_for(std::min<system_clock::duration>(left - std::chrono::milliseconds(5),
                                                                std::chrono::milliseconds(20)));
  }
  const auto now_wall = system_clock::now();
  const auto now = Clock::now();
  const double late_s = to_seconds(duration_cast<Nanos>(now_wall - start_at));
  if (result.shard) result.shard->start_late_s = std::max(0.0, late_s);
  if (late_s > 0.1) {
    result.warnings.push_back(fmt::format(
        "started {:.2f}s after --start-at: the arrivals due meanwhile were sent at once, and their latency counts "
        "from when they were due",
        late_s));
  }
  return now - duration_cast<Clock::duration>(now_wall - start_at);
}

}  // namespace

Result run_trial(const scenario::Scenario& sc, TargetSession& session, const RunOptions& options, RunFailure& failure,
                 Result result) {
  const auto plan = describe_plan(sc, result);

  load::EngineConfig config;
  config.plan = plan;
  config.closed_model = sc.load.model == scenario::LoadModel::kVirtualUsers;
  config.threads = options.threads > 0 ? options.threads
                   : sc.load.threads  ? *sc.load.threads
                                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config.max_in_flight = shard_share(sc.load.max_in_flight, options.shard);
  config.connections = shard_share(sc.load.connections.value_or(0), options.shard);
  if (options.shard) {
    config.shard_index = options.shard->index;
    config.shard_count = options.shard->count;
  }
  config.think_time = sc.load.think_time;
  config.max_redirects = sc.load.max_redirects;
  config.requests = sc.requests;
  config.flows = sc.flows;
  config.feeds = sc.feeds;
  result.threads = config.threads;
  std::optional<ResourceWatch> watch;
  const bool needs_pid = sc.probes.resources.enabled || sc.probes.profile;
  const pid_t target_pid = needs_pid ? session.watched_pid(options, result) : 0;
  if (sc.probes.resources.enabled) {
    watch.emplace(sc.probes.resources.interval, static_cast<double>(config.threads), sc.load.warmup);
    if (const pid_t pid = target_pid; pid > 0) {
      result.target.pid = pid;
      if (auto ok = watch->watch_target(pid); !ok) result.warnings.push_back("target resources not sampled: " + ok.error());
    }
    watch->watch_loadgen();
  }
  std::optional<MetricsWatch> metrics;
  if (sc.probes.metrics) {
    metrics.emplace(*sc.probes.metrics, session.metrics_url(), sc.slos, sc.target.tls);
    metrics->start();
  }
  std::string url_error;
  if (!http::parse_base_url(result.target.base_url, config.endpoint, url_error)) {
    failure = {RunFailure::Kind::kBadInput, fmt::format("target.base_url: {}", url_error)};
    return result;
  }
  const auto& tls = sc.target.tls;
  config.endpoint.tls_options = {tls.verify, tls.ca_file, tls.cert, tls.key, tls.server_name};
  config.endpoint.http_version = sc.target.http == scenario::HttpVersion::kHttp2   ? 2
                                 : sc.target.http == scenario::HttpVersion::kHttp1 ? 1
                                                                                   : 0;
  config.endpoint.max_streams = sc.target.max_streams;
  auto engine = load::Engine::create(std::move(config));
  if (!engine) {
    failure = {RunFailure::Kind::kTargetFailed, engine.error()};
    return result;
  }
  Nanos drain_limit{0};
  for (const auto& r : sc.requests) drain_limit = std::max(drain_limit, r.timeout);
  drain_limit = std::max(drain_limit, flow_drain_limit(sc));
  drain_limit += std::chrono::seconds(1);

  std::optional<Clock::time_point> zero;
  if (options.start_at) {
    zero = wait_for_start(*options.start_at, options, result);
    if (!zero) {
      result.interrupted = true;
      result.warnings.push_back("interrupted while waiting for --start-at: nothing was sent");
      return result;
    }
  }
  const auto wall_start = options.start_at.value_or(std::chrono::system_clock::now());
  result.started_at = iso8601_utc(wall_start);
  result.start_epoch_s = static_cast<double>(duration_cast<std::chrono::milliseconds>(wall_start.time_since_epoch()).count()) / 1e3;
  for (auto* o : options.observers) o->on_start(result);
  std::optional<ProfileWatch> profile;
  if (sc.probes.profile) {
    std::vector<int> pids;
    if (target_pid > 0) pids.push_back(target_pid);
    if (sc.probes.profile->self) pids.push_back(static_cast<int>(getpid()));
    profile.emplace(*sc.probes.profile, plan, std::move(pids), sc.probes.profile->self, options.report_dir);
  }
  Sampler sampler(sc, plan, result, options);
  drive(**engine, sampler, plan, drain_limit, options, result, zero, [&](Clock::time_point started) {
    if (profile) profile->start(started);
  });
  sampler.finish();
  if (profile) result.profiles = profile->finish();
  for (const auto& [kind, message] : (*engine)->first_errors()) result.first_errors[std::string(http::to_string(kind))] = message;
  result.connections_by_protocol = (*engine)->connections_by_protocol();
  result.h2_error_codes = (*engine)->h2_error_codes();
  collect_flows(sc, **engine, result);

  if (watch) {
    result.resources = watch->finish((*engine)->start_time());
    note_loadgen_saturation(result);
  }
  if (metrics) result.target_metrics = metrics->finish((*engine)->start_time());
  for (auto* o : options.observers) o->on_finish(result);
  return result;
}

Result replay_trial(const scenario::Scenario& sc, load::IntervalSource& source, size_t intervals,
                    const RunOptions& options, Result result) {
  const auto plan = describe_plan(sc, result);
  for (auto* o : options.observers) o->on_start(result);
  Sampler sampler(sc, plan, result, options);
  double interval_start_s = 0;
  for (size_t k = 0; k < intervals; ++k) {
    sampler.sample(source, interval_start_s, /*last=*/k + 1 == intervals);
    interval_start_s = result.timeline.back().t_s;
  }
  sampler.finish();
  for (auto* o : options.observers) o->on_finish(result);
  return result;
}

namespace {

Result run_load(const scenario::Scenario& sc, const RunOptions& options, RunFailure& failure, Result result) {
  TargetSession session;
  if (!session.start(sc, options, result, failure)) return result;
  auto measured = run_trial(sc, session, options, failure, std::move(result));
  session.finish(measured);
  return measured;
}

}  // namespace

Result run_scenario(const scenario::Scenario& sc, const RunOptions& options, RunFailure& failure) {
  Result result;
  result.scenario = sc.name;
  result.scenario_file = sc.file;
  result.scenario_yaml = sc.resolved_yaml;
  result.report_dir = options.report_dir;
  if (options.shard) result.shard = ShardOfRun{options.shard->index, options.shard->count, "", 0, 0};
  std::filesystem::create_directories(options.report_dir);
  if (sc.startup) {
    const auto wall_start = std::chrono::system_clock::now();
    result.started_at = iso8601_utc(wall_start);
    auto startup = run_startup_block(*sc.startup, options.interrupted);
    if (!startup) {
      failure = {RunFailure::Kind::kBadInput, "startup: " + startup.error()};
      return result;
    }
    result.startup = std::move(startup).value();
    result.interrupted = result.startup->result.interrupted;
    result.duration_s = to_seconds(std::chrono::system_clock::now() - wall_start);
    if (!sc.has_load() || result.interrupted) return result;
  }
  return run_load(sc, options, failure, std::move(result));
}

}  // namespace loadgen::run
