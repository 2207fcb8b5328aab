#include "reports/html/report_data.hpp"
#include "reports/html/metrics_section.hpp"
#include "reports/html/profile_section.hpp"

#include <map>
#include <algorithm>
#include <cmath>

namespace loadgen::reports::html {
namespace {

using nlohmann::json;

// Rounded to what a chart shows (µs for ms figures), so the page carries no 17-digit noise.
double round_to(double value, double step) {
  return std::round(value / step) * step;
}
double r3(double v) {
  return round_to(v, 1e-3);
}
double r2(double v) {
  return round_to(v, 1e-2);
}

json timeline_columns(const run::Result& r) {
  const auto& tl = r.timeline;
  const size_t n = tl.size();
  std::vector<double> t(n), target(n), rps(n), p50(n), p90(n), p99(n), max(n), sp50(n), sp99(n),
      lag(n);
  std::vector<int64_t> in_flight(n), users(n);
  std::vector<uint64_t> dropped(n), errors(n);
  std::map<std::string, std::vector<uint64_t>> by_kind;
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [kind, count] : tl[i].errors_by_kind) {
      auto& column = by_kind[kind];
      column.resize(n, 0);
      column[i] = count;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const auto& p = tl[i];
    t[i] = r3(p.t_s);
    target[i] = r2(p.target_level);
    rps[i] = r2(p.rps);
    p50[i] = r3(p.p50_ms);
    p90[i] = r3(p.p90_ms);
    p99[i] = r3(p.p99_ms);
    max[i] = r3(p.max_ms);
    sp50[i] = r3(p.service_p50_ms);
    sp99[i] = r3(p.service_p99_ms);
    lag[i] = r3(p.send_lag_p99_ms);
    in_flight[i] = p.in_flight;
    users[i] = p.users;
    dropped[i] = p.dropped;
    errors[i] = p.errors;
  }
  // Stages as spans, so the page can mark them without a name per second.
  json stages = json::array();
  for (size_t i = 0; i < n; ++i) {
    const double from = tl[i].t_s - tl[i].length_s;
    if (stages.empty() || stages.back()["name"] != tl[i].stage) {
      stages.push_back({{"name", tl[i].stage}, {"from", r3(from)}, {"to", r3(tl[i].t_s)}});
    } else {
      stages.back()["to"] = r3(tl[i].t_s);
    }
  }
  return {{"t", t},
          {"target", target},
          {"rps", rps},
          {"in_flight", in_flight},
          {"users", users},
          {"dropped", dropped},
          {"errors", errors},
          {"p50", p50},
          {"p90", p90},
          {"p99", p99},
          {"max", max},
          {"service_p50", sp50},
          {"service_p99", sp99},
          {"send_lag_p99", lag},
          {"errors_by_kind", by_kind},
          {"stages", stages}};
}

json spectrum_json(const run::Result& r) {
  std::vector<const metrics::Histogram*> histograms;
  json labels = json::array();
  auto add = [&](const metrics::Histogram& h, const std::string& label, const std::string& kind) {
    if (h.empty())
      return;
    histograms.push_back(&h);
    labels.push_back({{"label", label}, {"kind", kind}});
  };
  add(r.corrected, "all requests", "corrected");
  add(r.service, "all requests (service time)", "service");
  for (const auto& n : r.by_name) {
    add(n.corrected, n.name, "corrected");
    add(n.service, n.name + " (service time)", "service");
  }
  const auto spectrum = percentile_spectrum(histograms);
  json values = json::array();
  for (const auto& column : spectrum.values_ms) {
    json out = json::array();
    for (const auto& v : column)
      out.push_back(v ? json(r3(*v)) : json(nullptr));
    values.push_back(std::move(out));
  }
  json x = json::array();
  for (const double v : spectrum.x)
    x.push_back(v);
  return {{"x", x}, {"series", labels}, {"values", values}};
}

json startup_json(const run::Result& r) {
  if (!r.startup)
    return nullptr;
  json variants = json::array();
  for (const auto& v : r.startup->result.variants) {
    json phases = json::array();
    for (const auto& p : v.phases) {
      json runs = json::array();
      for (const auto& d : p.per_run) {
        runs.push_back(d ? json(r3(static_cast<double>(d->count()) / 1e6)) : json(nullptr));
      }
      phases.push_back({{"name", p.name}, {"runs_ms", runs}});
    }
    variants.push_back(
        {{"name", v.name.empty() ? "runs" : v.name}, {"runs", v.runs}, {"phases", phases}});
  }
  return {{"variants", variants}};
}

json process_json(const std::optional<run::ProcessResources>& p) {
  if (!p || p->samples.empty())
    return nullptr;
  const size_t n = p->samples.size();
  std::vector<double> t(n), rss_mib(n);
  json cpu = json::array();
  for (size_t i = 0; i < n; ++i) {
    const auto& s = p->samples[i];
    t[i] = r3(static_cast<double>(s.at.count()) / 1e9 + p->offset_s);
    rss_mib[i] = r3(static_cast<double>(s.rss_bytes) / (1024.0 * 1024.0));
    cpu.push_back(s.has_cpu ? json(r3(s.cpu())) : json(nullptr));
  }
  const auto& slope = p->summary.rss_slope_bytes_per_hour;
  return {{"t", t},
          {"cpu", cpu},
          {"rss_mib", rss_mib},
          {"capacity_cores", p->summary.capacity_cores},
          {"saturated", p->summary.saturated},
          {"rss_slope_mib_per_hour", slope ? json(*slope / (1024.0 * 1024.0)) : json(nullptr)}};
}

}  // namespace

Spectrum percentile_spectrum(const std::vector<const metrics::Histogram*>& histograms) {
  constexpr int kPointsPerDecade = 20;
  constexpr double kLargestX = 1e9;
  int64_t largest_count = 1;
  for (const auto* h : histograms)
    largest_count = std::max(largest_count, h->total_count());
  Spectrum s;
  const double top = std::min(kLargestX, static_cast<double>(largest_count));
  // One grid point past the largest count, where the line with the most values ends at its max.
  for (int i = 0;; ++i) {
    const double x = std::pow(10.0, static_cast<double>(i) / kPointsPerDecade);
    s.x.push_back(x);
    if (x > top)
      break;
  }
  std::vector<double> percentiles;
  for (const double x : s.x)
    percentiles.push_back(100.0 * (1.0 - 1.0 / x));
  for (const auto* h : histograms) {
    std::vector<std::optional<double>> column(s.x.size());
    const auto values = h->values_at_percentiles(percentiles);
    const auto count = static_cast<double>(h->total_count());
    bool ended = false;
    for (size_t i = 0; i < s.x.size() && !ended; ++i) {
      if (s.x[i] <= count) {
        column[i] = static_cast<double>(values[i]) / 1e6;
      } else {
        column[i] = static_cast<double>(h->max()) / 1e6;
        ended = true;
      }
    }
    s.values_ms.push_back(std::move(column));
  }
  return s;
}

// The trials by offered level (a level tried twice shows its last trial, the confirm run),
// as the knee chart's columns.
json capacity_columns(const run::Result& r) {
  if (!r.capacity) return nullptr;
  std::map<double, const run::CapacityTrial*> by_level;
  for (const auto& t : r.capacity->trials) by_level[t.level] = &t;
  json level = json::array(), p50 = json::array(), p90 = json::array(), p99 = json::array(), sent = json::array(),
       achieved = json::array(), pass = json::array();
  for (const auto& [l, t] : by_level) {
    level.push_back(l);
    p50.push_back(r3(t->p50_ms));
    p90.push_back(r3(t->p90_ms));
    p99.push_back(r3(t->p99_ms));
    sent.push_back(r3(t->sent_rps));
    achieved.push_back(r3(t->achieved_rps));
    pass.push_back(t->pass);
  }
  return {{"unit", r.capacity->unit}, {"max_rate", r.capacity->max_rate ? json(*r.capacity->max_rate) : json(nullptr)},
          {"level", level}, {"p50", p50}, {"p90", p90}, {"p99", p99}, {"sent", sent}, {"achieved", achieved},
          {"pass", pass}};
}

json report_data(const run::Result& r) {
  json data = {{"format", 1},
          {"model", r.model},
          {"warmup_s", r.warmup_s},
          {"duration_s", r.duration_s},
          {"timeline", timeline_columns(r)},
          {"spectrum", spectrum_json(r)},
          {"startup", startup_json(r)},
          {"resources",
           {{"target", process_json(r.resources.target)},
            {"loadgen", process_json(r.resources.loadgen)}}}};
  if (r.capacity) data["capacity"] = capacity_columns(r);
  if (r.target_metrics) data["target_metrics"] = target_metrics_data(r);
  if (!r.profiles.empty()) data["profiles"] = profiles_data(r);
  return data;
}

}  // namespace loadgen::reports::html
