#include "harness/run/slo_scopes.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <tuple>
#include <utility>

#include "harness/core/units.hpp"
#include "harness/http/types.hpp"

namespace loadgen::run {
namespace {

// Counters of one source over some span of intervals.
struct Counts {
  uint64_t sent = 0, completed = 0, responses = 0, errors = 0, dropped = 0, timeouts = 0;
  double length_s = 0;
  double planned = 0;  // requests the plan asked for (open model), for "target"

  void add(const Counts& o, int sign) {
    const auto apply = [sign](uint64_t& a, uint64_t b) { a = sign > 0 ? a + b : a - b; };
    apply(sent, o.sent);
    apply(completed, o.completed);
    apply(responses, o.responses);
    apply(errors, o.errors);
    apply(dropped, o.dropped);
    apply(timeouts, o.timeouts);
    length_s += sign * o.length_s;
    planned += sign * o.planned;
  }
};

// One source's interval, kept sparsely: a one-second histogram has few non-empty buckets.
struct Interval {
  std::vector<std::pair<int32_t, int64_t>> buckets;  // (counts index, count)
  Counts counts;
  double start_s = 0, end_s = 0;
};

// The sum of some intervals: bucket counts in the latency histogram's layout.
struct Aggregate {
  std::vector<int64_t> buckets;
  int64_t total = 0;
  Counts counts;

  void add(const Interval& i, int sign) {
    for (const auto& [index, count] : i.buckets) {
      if (buckets.size() <= static_cast<size_t>(index)) buckets.resize(static_cast<size_t>(index) + 1, 0);
      buckets[static_cast<size_t>(index)] += sign * count;
      total += sign * count;
    }
    counts.add(i.counts, sign);
  }
};

std::optional<double> stat_of(const slo::Expression& e, const Aggregate& a, metrics::Histogram& scratch) {
  const bool latency = e.percentile || e.stat == "min" || e.stat == "max" || e.stat == "mean";
  if (latency) {
    if (a.total <= 0) return std::nullopt;
    scratch.set_counts(a.buckets);
    if (e.percentile) return static_cast<double>(scratch.value_at_percentile(*e.percentile));
    if (e.stat == "min") return static_cast<double>(scratch.min());
    if (e.stat == "max") return static_cast<double>(scratch.max());
    return scratch.mean();
  }
  const Counts& c = a.counts;
  if (e.stat == "rps") {
    if (c.length_s <= 0) return std::nullopt;
    return static_cast<double>(c.responses) / c.length_s;
  }
  if (e.stat == "count") return static_cast<double>(c.sent);
  if (e.stat == "errors") return static_cast<double>(c.errors);
  if (e.stat == "dropped") return static_cast<double>(c.dropped);
  if (e.stat == "timeouts") return static_cast<double>(c.timeouts);
  if (e.stat == "error_rate") {
    if (c.sent == 0) return std::nullopt;
    return static_cast<double>(c.errors) / static_cast<double>(c.sent);
  }
  return std::nullopt;
}

std::optional<double> target_of(const Counts& c) {
  if (c.planned <= 0 || c.length_s <= 0) return std::nullopt;
  return c.planned / c.length_s;
}

// How far a value is on the wrong side of its threshold, relative to the threshold: the
// window with the largest badness is the worst, whether it passed or not.
double badness(double value, slo::Comparison op, double threshold) {
  const double scale = std::abs(threshold) > 0 ? std::abs(threshold) : 1.0;
  switch (op) {
    case slo::Comparison::kLess:
    case slo::Comparison::kLessEqual: return (value - threshold) / scale;
    case slo::Comparison::kGreater:
    case slo::Comparison::kGreaterEqual: return (threshold - value) / scale;
    case slo::Comparison::kEqual: return std::abs(value - threshold) / scale;
    case slo::Comparison::kNotEqual: return -std::abs(value - threshold) / scale;
  }
  return 0;
}

}  // namespace

// A scope: one source (a request name, every name, or send lag), optionally one stage,
// optionally a window of n intervals.
struct Scope {
  int source = -1;
  std::string stage;  // "" : every stage
  size_t window = 0;  // intervals; 0: no window
  auto key() const { return std::tie(source, stage, window); }
  bool operator<(const Scope& o) const { return key() < o.key(); }
};

struct SloState {
  slo::Expression expr;
  Scope scope;
  // Window SLOs: the worst window so far.
  bool judged = false;
  double worst_badness = 0;
  double worst_value = 0;
  std::optional<double> worst_target;
  SloWindow worst;
  size_t windows = 0, failed = 0;
};

struct Ring {
  Scope scope;
  std::deque<Interval> items;
  Aggregate sum;
  bool segment_full = false;   // a full window was judged in the current run of intervals
  bool in_segment = false;     // the previous measured interval belonged to this scope
  std::vector<SloState*> slos;
};

struct ScopedSlos::Impl {
  std::vector<std::string> names;
  int all_source = 0, send_lag_source = 0;
  size_t timeout_kind = 0;
  bool open_model = true;
  std::vector<SloState> slos;
  std::map<Scope, Aggregate> stages;  // stage scopes without a window
  std::vector<Ring> rings;
  std::vector<bool> needed;          // by source
  std::vector<load::CounterValues> previous;  // cumulative per name
  mutable metrics::Histogram scratch = metrics::Histogram::for_latency_ns();
  metrics::Histogram all = metrics::Histogram::for_latency_ns();

  int source_of(const slo::Expression& e) const {
    if (e.metric == "send_lag") return send_lag_source;
    const auto tag = e.tags.find("name");
    const std::string name = tag != e.tags.end() ? tag->second : e.metric;
    if (tag != e.tags.end() && e.metric != "http" && e.metric != tag->second) return -1;
    if (name == "http") return all_source;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return static_cast<int>(i);
    }
    return -1;
  }

  void judge(Ring& ring, bool partial) {
    if (ring.items.empty()) return;
    for (auto* s : ring.slos) {
      const auto value = stat_of(s->expr, ring.sum, scratch);
      if (!value) continue;
      std::optional<double> threshold = s->expr.threshold;
      if (!threshold && s->expr.symbolic_threshold == "target") threshold = target_of(ring.sum.counts);
      if (!threshold) continue;
      ++s->windows;
      if (!slo::compare(*value, s->expr.op, *threshold)) ++s->failed;
      const double bad = badness(*value, s->expr.op, *threshold);
      if (s->judged && bad <= s->worst_badness) continue;
      s->judged = true;
      s->worst_badness = bad;
      s->worst_value = *value;
      s->worst_target = s->expr.threshold ? std::nullopt : threshold;
      s->worst.start_s = ring.items.front().start_s;
      s->worst.end_s = ring.items.back().end_s;
      s->worst.partial = partial;
    }
  }

  void end_segment(Ring& ring) {
    if (!ring.segment_full) judge(ring, true);
    ring.items.clear();
    ring.sum = Aggregate{};
    ring.segment_full = false;
    ring.in_segment = false;
  }

  void push(Ring& ring, const Interval& interval) {
    ring.in_segment = true;
    ring.items.push_back(interval);
    ring.sum.add(interval, 1);
    if (ring.items.size() > ring.scope.window) {
      ring.sum.add(ring.items.front(), -1);
      ring.items.pop_front();
    }
    if (ring.items.size() == ring.scope.window) {
      ring.segment_full = true;
      judge(ring, false);
    }
  }

  Interval interval_of(int source, const IntervalView& view, const std::vector<load::CounterValues>& delta) {
    Interval out;
    out.start_s = view.start_s;
    out.end_s = view.point.t_s;
    const metrics::Histogram* h = nullptr;
    load::CounterValues c;
    if (source == all_source || source == send_lag_source) {
      for (const auto& d : delta) c.add(d);
      if (source == send_lag_source) {
        h = &view.snapshot.send_lag;
      } else {
        all.reset();
        for (const auto& n : view.snapshot.by_name) all.add(n.corrected);
        h = &all;
      }
    } else if (static_cast<size_t>(source) < view.snapshot.by_name.size()) {
      c = delta[static_cast<size_t>(source)];
      h = &view.snapshot.by_name[static_cast<size_t>(source)].corrected;
    } else {
      all.reset();  // a name the engine does not know: an empty interval
      h = &all;
    }
    h->for_each_nonzero_count(
        [&](int64_t i, int64_t n) { out.buckets.emplace_back(static_cast<int32_t>(i), n); });
    out.counts.sent = c.sent;
    out.counts.completed = c.completed;
    out.counts.responses = c.responses();
    out.counts.errors = c.error_total();
    out.counts.dropped = c.dropped;
    out.counts.timeouts = c.errors[timeout_kind];
    out.counts.length_s = view.point.length_s;
    // Planned requests: the level in the middle of the interval times its length, which is
    // exact for the linear pieces of the plan.
    out.counts.planned = open_model ? view.point.target_level * view.point.length_s : 0;
    return out;
  }
};

ScopedSlos::ScopedSlos(const std::vector<slo::Expression>& expressions, std::vector<std::string> names)
    : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.names = std::move(names);
  m.all_source = static_cast<int>(m.names.size());
  m.send_lag_source = m.all_source + 1;
  m.needed.assign(m.names.size() + 2, false);
  m.previous.resize(m.names.size());
  for (size_t k = 0; k < http::kErrorKinds; ++k) {
    if (http::to_string(static_cast<http::ErrorKind>(k)) == "timeout") m.timeout_kind = k;
  }
  for (const auto& e : expressions) {
    if (e.metric.starts_with("target.metric.")) continue;  // judged from the scrapes (target_metric_view)
    if (!e.tags.contains("stage") && !e.tags.contains("window")) {
      if (!e.tags.contains("name")) continue;
    }
    SloState s;
    s.expr = e;
    s.scope.source = m.source_of(e);
    if (const auto it = e.tags.find("stage"); it != e.tags.end()) s.scope.stage = it->second;
    if (const auto it = e.tags.find("window"); it != e.tags.end()) {
      const auto window = core::parse_duration(it->second);
      const double seconds = window ? static_cast<double>(window->count()) / 1e9 : 1.0;
      s.scope.window = static_cast<size_t>(std::max(1.0, std::round(seconds)));
    }
    m.slos.push_back(std::move(s));
  }
  // Rings and stage aggregates are shared by SLOs of the same scope; pointers into `slos`
  // are stable from here on.
  for (auto& s : m.slos) {
    if (s.scope.source < 0) continue;
    m.needed[static_cast<size_t>(s.scope.source)] = true;
    if (s.scope.window == 0) {
      m.stages[s.scope];
      continue;
    }
    auto it = std::find_if(m.rings.begin(), m.rings.end(),
                           [&](const Ring& r) { return !(r.scope < s.scope) && !(s.scope < r.scope); });
    if (it == m.rings.end()) {
      m.rings.push_back(Ring{s.scope, {}, {}, false, false, {}});
      it = std::prev(m.rings.end());
    }
    it->slos.push_back(&s);
  }
}

ScopedSlos::~ScopedSlos() = default;

void ScopedSlos::on_start(const Result& run) { impl_->open_model = run.model != "vus"; }

void ScopedSlos::on_interval(const IntervalView& view) {
  auto& m = *impl_;
  std::vector<load::CounterValues> delta(m.names.size());
  for (size_t i = 0; i < m.names.size() && i < view.snapshot.by_name.size(); ++i) {
    delta[i] = view.snapshot.by_name[i].totals.minus(m.previous[i]);
    m.previous[i] = view.snapshot.by_name[i].totals;
  }
  // Warm-up is charted, never judged.
  if (view.in_warmup || m.slos.empty()) return;
  std::vector<std::optional<Interval>> intervals(m.needed.size());
  const auto interval = [&](int source) -> const Interval& {
    auto& slot = intervals[static_cast<size_t>(source)];
    if (!slot) slot = m.interval_of(source, view, delta);
    return *slot;
  };
  for (auto& [scope, aggregate] : m.stages) {
    if (scope.stage.empty() || scope.stage == view.point.stage) aggregate.add(interval(scope.source), 1);
  }
  for (auto& ring : m.rings) {
    const bool inside = ring.scope.stage.empty() || ring.scope.stage == view.point.stage;
    if (inside) {
      m.push(ring, interval(ring.scope.source));
    } else if (ring.in_segment) {
      m.end_segment(ring);
    }
  }
}

void ScopedSlos::on_finish(const Result&) {
  for (auto& ring : impl_->rings) {
    if (ring.in_segment) impl_->end_segment(ring);
  }
}

ScopedSlos::Observation ScopedSlos::observe(const slo::Expression& expression) const {
  const auto& m = *impl_;
  Observation out;
  for (const auto& s : m.slos) {
    if (s.expr.text != expression.text || s.scope.source < 0) continue;
    if (s.scope.window == 0) {
      const auto it = m.stages.find(s.scope);
      if (it == m.stages.end()) return out;
      out.value = stat_of(s.expr, it->second, m.scratch);
      out.target = target_of(it->second.counts);
      return out;
    }
    if (!s.judged) return out;
    out.value = s.worst_value;
    out.target = s.worst_target;
    out.window = s.worst;
    out.window->windows = s.windows;
    out.window->failed = s.failed;
    return out;
  }
  return out;
}

}  // namespace loadgen::run
