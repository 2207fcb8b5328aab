#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/run/runner.hpp"
#include "harness/run/slo_window.hpp"
#include "harness/slo/expression.hpp"

// SLOs that do not dilute: `http.p99{stage=spike}` holds over one named stage only, and
// `http.p99{window=1m}` must hold in every 1-minute window (windows slide by the one-second
// interval), so ten bad seconds cannot hide inside an hour of good ones. Tags combine:
// `{stage=soak,window=30s}` slides inside the soak stage only; `{name=list_items}` picks a
// request name. Warm-up intervals are left out.
//
// Memory stays bounded on a 24-hour soak: one histogram per (source, stage) for stage
// scopes, and for windows a ring of the last W intervals held sparsely (non-empty buckets
// only), shared by every SLO on the same source and scope; each window is judged as it
// completes and only the worst is kept. Nothing is kept for SLOs without tags.
namespace loadgen::run {

class ScopedSlos final : public IntervalObserver {
 public:
  // `expressions`: every SLO of the scenario (those without tags are ignored);
  // `names`: the request names in the engine's order.
  ScopedSlos(const std::vector<slo::Expression>& expressions, std::vector<std::string> names);
  ~ScopedSlos() override;
  ScopedSlos(const ScopedSlos&) = delete;
  ScopedSlos& operator=(const ScopedSlos&) = delete;

  void on_start(const Result& run) override;
  void on_interval(const IntervalView& interval) override;
  void on_finish(const Result& run) override;

  struct Observation {
    std::optional<double> value;      // empty: no samples in the scope
    std::optional<double> target;     // the planned rate over the same scope (open model)
    std::optional<SloWindow> window;  // window SLOs: the worst window
  };
  // What was observed for a tagged expression given to the constructor (matched by text).
  Observation observe(const slo::Expression& expression) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace loadgen::run
