#pragma once

#include <optional>
#include <vector>

#include "harness/scenario/scenario.hpp"

// The capacity search's choice of trials, apart from running them (so that it is tested
// against a known answer without any load):
//
// 1. Grow: from `from`, each passing trial is followed by one `growth` times higher (never
//    above `max`) until one fails or `max` passes.
// 2. Bisect the bracket [highest pass, lowest fail] until it is narrower than `precision`
//    of the highest pass (for users: until they are next to each other).
// 3. Confirm: a trial of `confirm` length at the highest passing level. It failing makes that
//    level the lowest failure; the next lower passing level is confirmed instead (up to
//    kMaxConfirms times), so the answer is always a level that held for the confirm length.
//
// Unlike a search that confirms an untested midpoint, every level it reports has passed.
namespace loadgen::run {

class CapacitySearch {
 public:
  // `whole_levels`: users (the closed model) rather than a rate.
  CapacitySearch(const scenario::SearchSpec& spec, bool whole_levels);

  struct Trial {
    double level = 0;
    bool confirm = false;
  };
  // The next trial to run; nothing once the search is over.
  std::optional<Trial> next() const;
  // The outcome of the trial next() gave. A generator-limited trial counts as a failure.
  void record(const Trial& trial, bool pass, bool generator_limited);

  bool done() const { return next().has_value() == false; }
  std::optional<double> highest_pass() const { return lo_; }
  std::optional<double> lowest_fail() const { return hi_; }
  bool lowest_fail_was_generator() const { return hi_generator_; }
  std::optional<double> confirmed() const { return confirmed_; }
  bool below_from() const { return trials_ > 0 && passed_.empty() && !confirmed_; }
  bool reached_max() const { return lo_ && *lo_ >= spec_.max; }

  static constexpr int kMaxConfirms = 3;

 private:
  double round(double level) const;
  bool narrow_enough() const;

  scenario::SearchSpec spec_;
  bool whole_;
  int trials_ = 0;
  int confirms_ = 0;
  bool failed_once_ = false;             // a non-confirm trial failed: no more growing
  std::optional<double> lo_, hi_;        // highest level that passed, lowest that failed
  bool hi_generator_ = false;
  std::vector<double> passed_;           // every level that passed, for stepping down
  std::optional<double> confirmed_;
  bool gave_up_ = false;                 // confirms exhausted, or nothing lower to confirm
  bool stepping_down_ = false;           // a confirm failed: confirm the next lower pass
};

}  // namespace loadgen::run
