#include "harness/slo/change_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace loadgen::slo {
namespace {

constexpr size_t kMaxPoints = 1000;

// splitmix64: a tiny generator whose sequence is the same on every platform and library,
// unlike std::uniform_int_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  size_t below(size_t n) {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<size_t>(z % n);
  }

 private:
  uint64_t state_;
};

Sample blocked(const Sample& s, Summary summary) {
  const size_t n = s.values.size();
  if (n <= kMaxPoints) return s;
  const size_t block = (n + kMaxPoints - 1) / kMaxPoints;
  Sample out;
  for (size_t at = 0; at + block <= n; at += block) {
    double v = 0, w = 0;
    for (size_t i = at; i < at + block; ++i) {
      v += s.values[i];
      if (summary == Summary::kRatioOfSums) w += s.weights[i];
    }
    out.values.push_back(summary == Summary::kRatioOfSums ? v : v / static_cast<double>(block));
    if (summary == Summary::kRatioOfSums) out.weights.push_back(w);
  }
  return out;
}

double median_of(std::vector<double>& v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

// The summary of one bootstrap resample of `s`, drawn into `scratch`.
double resampled(const Sample& s, Summary summary, Rng& rng, std::vector<double>& scratch) {
  const size_t n = s.values.size();
  if (summary == Summary::kRatioOfSums) {
    double v = 0, w = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t i = rng.below(n);
      v += s.values[i];
      w += s.weights[i];
    }
    return w > 0 ? v / w : 0;
  }
  scratch.resize(n);
  for (size_t k = 0; k < n; ++k) scratch[k] = s.values[rng.below(n)];
  if (summary == Summary::kMean) return std::accumulate(scratch.begin(), scratch.end(), 0.0) / static_cast<double>(n);
  return median_of(scratch);
}

double change_of(double base, double current, ChangeKind kind) {
  return kind == ChangeKind::kRelative ? current / base - 1 : current - base;
}

double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(at));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - static_cast<double>(lo));
}

}  // namespace

double summarize(const Sample& s, Summary summary) {
  if (s.values.empty()) return 0;
  if (summary == Summary::kRatioOfSums) {
    const double w = std::accumulate(s.weights.begin(), s.weights.end(), 0.0);
    return w > 0 ? std::accumulate(s.values.begin(), s.values.end(), 0.0) / w : 0;
  }
  if (summary == Summary::kMean) {
    return std::accumulate(s.values.begin(), s.values.end(), 0.0) / static_cast<double>(s.values.size());
  }
  std::vector<double> copy = s.values;
  return median_of(copy);
}

double mann_whitney_p(const std::vector<double>& a, const std::vector<double>& b) {
  const size_t n1 = a.size(), n2 = b.size(), n = n1 + n2;
  if (n1 == 0 || n2 == 0) return 1;
  std::vector<std::pair<double, int>> all;
  all.reserve(n);
  for (double v : a) all.emplace_back(v, 0);
  for (double v : b) all.emplace_back(v, 1);
  std::sort(all.begin(), all.end());
  double rank_sum_a = 0, ties = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && all[j].first == all[i].first) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // average of i+1..j
    for (size_t k = i; k < j; ++k) {
      if (all[k].second == 0) rank_sum_a += rank;
    }
    const double t = static_cast<double>(j - i);
    ties += t * t * t - t;
    i = j;
  }
  const double u = rank_sum_a - static_cast<double>(n1) * static_cast<double>(n1 + 1) / 2;
  const double mean = static_cast<double>(n1) * static_cast<double>(n2) / 2;
  const double nn = static_cast<double>(n);
  const double variance = static_cast<double>(n1) * static_cast<double>(n2) / 12 *
                          ((nn + 1) - ties / (nn * (nn - 1)));
  if (variance <= 0) return 1;
  const double z = std::max(0.0, std::abs(u - mean) - 0.5) / std::sqrt(variance);
  return std::erfc(z / std::sqrt(2.0));
}

Change compare_samples(const Sample& base_in, const Sample& current_in, Summary summary, ChangeKind kind,
                       uint64_t seed, int resamples) {
  Change out;
  if (base_in.values.empty() || current_in.values.empty()) return out;
  out.base = summarize(base_in, summary);
  out.current = summarize(current_in, summary);
  if (kind == ChangeKind::kRelative && out.base == 0) return out;
  out.defined = true;
  out.change = change_of(out.base, out.current, kind);
  if (summary == Summary::kRatioOfSums) {
    // Ranks of the per-point ratios (errors per request of each second).
    const auto ratios = [](const Sample& s) {
      std::vector<double> r;
      for (size_t i = 0; i < s.values.size(); ++i) r.push_back(s.weights[i] > 0 ? s.values[i] / s.weights[i] : 0);
      return r;
    };
    out.p_value = mann_whitney_p(ratios(base_in), ratios(current_in));
  } else {
    out.p_value = mann_whitney_p(base_in.values, current_in.values);
  }

  const Sample base = blocked(base_in, summary);
  const Sample current = blocked(current_in, summary);
  Rng rng(seed);
  std::vector<double> changes, scratch;
  changes.reserve(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    const double b = resampled(base, summary, rng, scratch);
    const double c = resampled(current, summary, rng, scratch);
    if (kind == ChangeKind::kRelative && b == 0) continue;
    changes.push_back(change_of(b, c, kind));
  }
  if (changes.empty()) {
    out.ci_low = out.ci_high = out.change;
    return out;
  }
  std::sort(changes.begin(), changes.end());
  out.ci_low = quantile_of_sorted(changes, 0.025);
  out.ci_high = quantile_of_sorted(changes, 0.975);
  // Both must agree: the interval alone is too eager on a handful of seconds, where a
  // percentile bootstrap understates the spread.
  out.significant = (out.ci_low > 0 || out.ci_high < 0) && out.p_value < 0.05;
  return out;
}

}  // namespace loadgen::slo
