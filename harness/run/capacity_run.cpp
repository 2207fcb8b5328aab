#include "harness/run/capacity_run.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/run/capacity_search.hpp"
#include "harness/run/slo_check.hpp"
#include "harness/run/slo_scopes.hpp"

namespace loadgen::run {
namespace {

using Nanos = std::chrono::nanoseconds;
// Under this share of the planned requests sent, the generator did not deliver the load.
constexpr double kDeliveredShare = 0.95;

std::string level_text(double level, const std::string& unit) {
  return unit == "users" ? fmt::format("{:.0f} users", level) : core::format_rate(level);
}

bool stop_requested(const RunOptions& options) {
  return options.interrupted != nullptr && options.interrupted->load();
}

scenario::Scenario trial_scenario(const scenario::Scenario& sc, const CapacitySearch::Trial& t) {
  auto trial = sc;
  const auto& search = *sc.load.search;
  const Nanos length = t.confirm ? search.confirm : search.step;
  trial.load.stages = {scenario::Stage{t.confirm ? "confirm" : "trial", t.level, t.level, length, search.where}};
  trial.load.warmup = search.warmup;
  return trial;
}

std::vector<scenario::SloSpec> trial_slos(const std::vector<scenario::SloSpec>& slos) {
  std::vector<scenario::SloSpec> out;
  for (const auto& s : slos) {
    if (!s.expression.starts_with("capacity.")) out.push_back(s);
  }
  return out;
}

std::vector<std::string> request_names(const scenario::Scenario& sc) {
  std::vector<std::string> names;
  for (const auto& r : sc.requests) names.push_back(r.name);
  return names;
}

// Judges one trial's result (its SLOs filled in) and sums it up.
CapacityTrial judge(Result& r, const CapacitySearch::Trial& t, const scenario::Scenario& trial_sc,
                    const std::vector<scenario::SloSpec>& slos, const ScopedSlos& scoped) {
  check_slos(slos, r, &scoped);
  CapacityTrial c;
  c.level = t.level;
  c.confirm = t.confirm;
  c.duration_s = r.planned_duration_s;
  const double measured_s = std::max(1e-3, std::min(r.duration_s, r.planned_duration_s) - r.warmup_s);
  c.achieved_rps = r.achieved_rps;
  c.sent_rps = static_cast<double>(r.measured.sent) / measured_s;
  c.p50_ms = r.latency.p50_ms;
  c.p90_ms = r.latency.p90_ms;
  c.p99_ms = r.latency.p99_ms;
  c.error_rate = r.measured.sent > 0 ? static_cast<double>(r.measured.errors) / static_cast<double>(r.measured.sent) : 0;
  c.dropped = r.measured.dropped;
  if (r.resources.target) {
    c.target_cpu = r.resources.target->summary.cpu_avg;
    c.target_rss_max = r.resources.target->summary.rss_max;
  }
  if (r.resources.loadgen) c.loadgen_cpu = r.resources.loadgen->summary.cpu_avg;

  std::vector<std::string> generator;
  const bool open = trial_sc.load.model == scenario::LoadModel::kArrivalRate;
  if (open && r.target_rps > 0 && c.sent_rps < kDeliveredShare * r.target_rps) {
    generator.push_back(fmt::format("sent {} of the {} planned", core::format_rate(c.sent_rps),
                                    core::format_rate(r.target_rps)));
  }
  if (c.dropped > 0) {
    generator.push_back(fmt::format("{} requests dropped at max_in_flight ({})", c.dropped, trial_sc.load.max_in_flight));
  }
  if (r.resources.loadgen && r.resources.loadgen->summary.saturated) {
    generator.push_back(fmt::format("loadgen's own CPU saturated ({:.2f} cores)", r.resources.loadgen->summary.cpu_avg));
  }
  c.generator_limited = !generator.empty();

  std::vector<std::string> failed;
  for (const auto& o : r.slo) {
    if (o.pass) continue;
    c.failed_slos.push_back(o.expression);
    failed.push_back(fmt::format("{} ({})", o.expression, o.observed_text));
  }
  for (const auto& why : r.verdict_reasons) {
    if (r.verdict == "fail" && r.slo.empty()) failed.push_back(why);
  }
  c.pass = r.verdict != "fail" && !c.generator_limited && !r.interrupted;
  if (c.generator_limited) {
    c.reason = "the generator did not deliver the load: " + fmt::format("{}", fmt::join(generator, "; "));
    if (!failed.empty()) c.reason += fmt::format(" (and {} failed)", fmt::join(failed, ", "));
  } else if (!c.pass) {
    c.reason = failed.empty() ? fmt::format("{}", fmt::join(r.verdict_reasons, "; ")) : fmt::format("{}", fmt::join(failed, ", "));
  }
  return c;
}

std::string answer_of(const CapacityResult& c, const CapacitySearch& search, Nanos confirm_length) {
  const auto level = [&](double v) { return level_text(v, c.unit); };
  const CapacityTrial* first_fail = nullptr;
  for (const auto& t : c.trials) {
    if (!t.pass && c.first_failing_rate && t.level == *c.first_failing_rate) first_fail = &t;
  }
  const std::string why_not_higher =
      first_fail ? fmt::format("; {} failed: {}", level(first_fail->level), first_fail->reason) : "";
  if (c.below_from) return fmt::format("below {}: the first trial failed ({})", level(c.from), first_fail ? first_fail->reason : "");
  if (!c.confirmed) {
    return fmt::format("not confirmed: {} passed its trial but no level held for the confirm length ({}){}",
                       c.highest_passing ? level(*c.highest_passing) : "nothing", core::format_duration(confirm_length),
                       why_not_higher);
  }
  if (search.reached_max() && !c.first_failing_rate) {
    return fmt::format("at least {}: every trial up to max passed (confirmed over {}); raise max to look higher",
                       level(*c.max_rate), core::format_duration(confirm_length));
  }
  if (search.lowest_fail_was_generator()) {
    return fmt::format("at least {} (confirmed over {}); loadgen could not deliver {}, so the target's limit was not "
                       "reached: raise load.max_in_flight, give loadgen more threads, or run it on another machine{}",
                       level(*c.max_rate), core::format_duration(confirm_length), level(*c.first_failing_rate),
                       why_not_higher);
  }
  return fmt::format("{} (confirmed over {}){}", level(*c.max_rate), core::format_duration(confirm_length), why_not_higher);
}

void sleep_interruptibly(Nanos how_long, const RunOptions& options) {
  const auto until = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < until && !stop_requested(options)) {
    std::this_thread::sleep_for(std::min<Nanos>(until - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
  }
}

}  // namespace

std::string trial_line(const CapacityTrial& t, const std::string& unit) {
  return fmt::format("{:<9} {:>12} for {:<5} sent {:>9} achieved {:>9}  p50 {:>8}  p99 {:>8}  errors {:>6}  {}{}",
                     t.confirm ? "confirm" : "trial", level_text(t.level, unit),
                     core::format_duration(Nanos{static_cast<int64_t>(t.duration_s * 1e9)}),
                     core::format_rate(t.sent_rps), core::format_rate(t.achieved_rps), core::format_duration_ms(t.p50_ms),
                     core::format_duration_ms(t.p99_ms), core::format_percent(t.error_rate), t.pass ? "PASS" : "FAIL",
                     t.pass ? "" : ": " + t.reason);
}

Result run_capacity_search(const scenario::Scenario& sc, const RunOptions& options, RunFailure& failure,
                           const TrialListener& on_trial) {
  const auto& spec = *sc.load.search;
  const bool users = sc.load.model == scenario::LoadModel::kVirtualUsers;
  const auto began = std::chrono::steady_clock::now();
  CapacityResult capacity;
  capacity.unit = users ? "users" : "rps";
  capacity.from = spec.from;
  capacity.max = spec.max;
  capacity.precision = spec.precision;

  Result header;
  header.scenario = sc.name;
  header.scenario_file = sc.file;
  header.scenario_yaml = sc.resolved_yaml;
  header.report_dir = options.report_dir;
  TargetSession session;
  if (!session.start(sc, options, header, failure)) return header;

  const auto slos = trial_slos(sc.slos);
  const auto names = request_names(sc);
  CapacitySearch search(spec, users);
  Result last = session.begin_trial();
  std::unique_ptr<ScopedSlos> last_scoped;
  bool ran_any = false;
  while (auto t = search.next()) {
    if (ran_any && spec.cooldown.count() > 0) sleep_interruptibly(spec.cooldown, options);
    if (stop_requested(options)) {
      last.interrupted = true;
      break;
    }
    const auto trial_sc = trial_scenario(sc, *t);
    auto scoped = std::make_unique<ScopedSlos>(parse_slos(slos), names);
    auto trial_options = options;
    trial_options.observers.push_back(scoped.get());
    auto r = run_trial(trial_sc, session, trial_options, failure, session.begin_trial());
    if (failure.kind != RunFailure::Kind::kNone) return r;
    ran_any = true;
    if (r.interrupted) {
      last = std::move(r);
      last_scoped = std::move(scoped);
      break;
    }
    auto judged = judge(r, *t, trial_sc, slos, *scoped);
    capacity.trials.push_back(judged);
    if (on_trial) on_trial(judged, static_cast<int>(capacity.trials.size()));
    search.record(*t, judged.pass, judged.generator_limited);
    last = std::move(r);
    last_scoped = std::move(scoped);
    if (session.target_exited()) {
      last.warnings.push_back("the target exited during the search: no further trials");
      break;
    }
  }
  session.finish(last);

  capacity.confirmed = search.confirmed().has_value();
  capacity.max_rate = search.confirmed();
  capacity.highest_passing = search.highest_pass();
  capacity.first_failing_rate = search.lowest_fail();
  capacity.below_from = search.below_from();
  if (search.reached_max() && !capacity.first_failing_rate) {
    capacity.limited_by = {"max"};
  } else if (search.lowest_fail_was_generator()) {
    capacity.limited_by = {"generator"};
  } else {
    for (const auto& t : capacity.trials) {
      if (capacity.first_failing_rate && t.level == *capacity.first_failing_rate && !t.pass) {
        capacity.limited_by = t.failed_slos;
      }
    }
  }
  capacity.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  capacity.answer = last.interrupted ? fmt::format("interrupted after {} trials", capacity.trials.size())
                                     : answer_of(capacity, search, spec.confirm);
  last.capacity = std::move(capacity);

  // The final verdict: every SLO over the last trial, capacity.* on the answer.
  last.slo.clear();
  check_slos(sc.slos, last, last_scoped.get());
  if (!last.capacity->confirmed && !last.interrupted) {
    last.verdict = "fail";
    last.verdict_reasons.push_back("capacity " + last.capacity->answer);
  }
  return last;
}

}  // namespace loadgen::run
