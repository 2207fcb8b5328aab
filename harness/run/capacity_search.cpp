#include "harness/run/capacity_search.hpp"

#include <algorithm>
#include <cmath>

namespace loadgen::run {

CapacitySearch::CapacitySearch(const scenario::SearchSpec& spec, bool whole_levels)
    : spec_(spec), whole_(whole_levels) {}

double CapacitySearch::round(double level) const {
  // Rates keep three significant figures at most, so that trial levels read as written.
  if (whole_) return std::max(1.0, std::round(level));
  const double scale = std::pow(10.0, std::floor(std::log10(level)) - 2);
  return std::round(level / scale) * scale;
}

bool CapacitySearch::narrow_enough() const {
  if (!lo_ || !hi_) return false;
  if (whole_) return *hi_ - *lo_ <= 1;
  return (*hi_ - *lo_) / *lo_ <= spec_.precision;
}

std::optional<CapacitySearch::Trial> CapacitySearch::next() const {
  if (confirmed_ || gave_up_) return std::nullopt;
  if (trials_ == 0) return Trial{round(spec_.from), false};
  if (!lo_) return std::nullopt;  // the first trial failed: below `from`
  if (stepping_down_) return Trial{*lo_, true};
  if (!failed_once_ && *lo_ < spec_.max) {
    return Trial{std::min(spec_.max, round(*lo_ * spec_.growth)), false};
  }
  if (hi_ && !narrow_enough()) {
    double mid = round((*lo_ + *hi_) / 2);
    if (mid <= *lo_ || mid >= *hi_) mid = (*lo_ + *hi_) / 2;  // rounding met an end
    if (!whole_ || (mid > *lo_ && mid < *hi_)) return Trial{mid, false};
  }
  return Trial{*lo_, true};
}

void CapacitySearch::record(const Trial& trial, bool pass, bool generator_limited) {
  ++trials_;
  if (trial.confirm) ++confirms_;
  if (pass) {
    if (trial.confirm) {
      confirmed_ = trial.level;
      return;
    }
    passed_.push_back(trial.level);
    if (!lo_ || trial.level > *lo_) lo_ = trial.level;
    return;
  }
  if (!trial.confirm) failed_once_ = true;
  if (!hi_ || trial.level <= *hi_) {
    hi_ = trial.level;
    hi_generator_ = generator_limited;
  }
  if (!trial.confirm) return;
  // The confirm run failed: that level is a failure now; step down to the next one that passed.
  std::erase_if(passed_, [&](double level) { return level >= trial.level; });
  lo_ = passed_.empty() ? std::nullopt : std::optional<double>(*std::max_element(passed_.begin(), passed_.end()));
  if (!lo_ || confirms_ >= kMaxConfirms) gave_up_ = true;
  stepping_down_ = true;
}

}  // namespace loadgen::run
