#include "harness/load/plan.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::load {
namespace {

double seconds(Nanos d) { return static_cast<double>(d.count()) / 1e9; }
Nanos nanos(double s) { return Nanos{static_cast<int64_t>(std::llround(s * 1e9))}; }

// Area under a linear segment from `from` to `to` over `d` seconds, up to `tau` seconds.
double area(const PlanStage& s, double tau) {
  const double d = seconds(s.duration);
  if (d <= 0) return 0;
  const double slope = (s.to - s.from) / d;
  return s.from * tau + 0.5 * slope * tau * tau;
}

}  // namespace

Plan::Plan(std::vector<PlanStage> stages) : stages_(std::move(stages)) {
  double cum = 0;
  Nanos t{0};
  for (const auto& s : stages_) {
    starts_.push_back(t);
    cumulative_at_start_.push_back(cum);
    cum += area(s, seconds(s.duration));
    t += s.duration;
  }
  total_ = t;
}

size_t Plan::stage_at(Nanos t) const {
  if (stages_.empty()) return 0;
  // The last stage starting at or before t; zero-length stages are skipped past.
  auto it = std::upper_bound(starts_.begin(), starts_.end(), t);
  size_t i = static_cast<size_t>(it - starts_.begin());
  i = i == 0 ? 0 : i - 1;
  while (i + 1 < stages_.size() && stages_[i].duration.count() == 0) ++i;
  return std::min(i, stages_.size() - 1);
}

double Plan::level_at(Nanos t) const {
  if (stages_.empty() || t < Nanos{0} || t >= total_) return 0;
  const auto i = stage_at(t);
  const auto& s = stages_[i];
  const double d = seconds(s.duration);
  if (d <= 0) return s.to;
  return s.from + (s.to - s.from) * seconds(t - starts_[i]) / d;
}

double Plan::cumulative(Nanos t) const {
  if (stages_.empty() || t <= Nanos{0}) return 0;
  if (t >= total_) t = total_;
  const auto i = stage_at(t);
  const double tau = std::min(seconds(t - starts_[i]), seconds(stages_[i].duration));
  return cumulative_at_start_[i] + area(stages_[i], tau);
}

std::optional<Nanos> Plan::time_of(double n) const {
  if (n < 0) return std::nullopt;
  for (size_t i = 0; i < stages_.size(); ++i) {
    const auto& s = stages_[i];
    const double d = seconds(s.duration);
    const double before = cumulative_at_start_[i];
    const double in_stage = area(s, d);
    if (d <= 0 || n > before + in_stage) continue;
    const double rest = n - before;
    // Solve from*tau + slope/2*tau^2 = rest; this form stays exact when slope is 0 or tiny.
    const double slope = (s.to - s.from) / d;
    const double disc = std::max(0.0, s.from * s.from + 2.0 * slope * rest);
    const double denom = s.from + std::sqrt(disc);
    const double tau = denom > 0 ? 2.0 * rest / denom : 0.0;
    return starts_[i] + nanos(std::clamp(tau, 0.0, d));
  }
  return std::nullopt;
}

uint64_t Plan::request_count() const {
  const double t = total();
  if (!(t > 0)) return 0;
  // The sum of the stages' areas carries rounding: 2999.9999999997 is a plan of 3000.
  const double nearest = std::round(t);
  if (std::abs(t - nearest) <= 1e-9 * std::max(1.0, t)) return static_cast<uint64_t>(nearest);
  return static_cast<uint64_t>(std::ceil(t));
}

double Plan::max_level() const {
  double m = 0;
  for (const auto& s : stages_) m = std::max({m, s.from, s.to});
  return m;
}

std::string Plan::describe(bool closed_model) const {
  std::string out;
  const char* unit = closed_model ? " users" : "/s";
  for (size_t i = 0; i < stages_.size(); ++i) {
    const auto& s = stages_[i];
    const auto end = starts_[i] + s.duration;
    const std::string span = fmt::format("{}..{}", core::format_duration(starts_[i]), core::format_duration(end));
    const std::string levels = s.from == s.to ? fmt::format("{:g}{}", s.to, unit)
                                              : fmt::format("{:g} -> {:g}{}", s.from, s.to, unit);
    out += fmt::format("  {:<12} {:<14} {:<20}", s.name, span, levels);
    if (!closed_model) out += fmt::format(" {:.0f} requests", area(s, seconds(s.duration)));
    out += '\n';
  }
  return out;
}

}  // namespace loadgen::load
