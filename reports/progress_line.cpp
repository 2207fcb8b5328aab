#include "reports/progress_line.hpp"

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::reports {

void ProgressLine::on_start(const run::Result& run) {
  planned_s_ = run.planned_duration_s;
  closed_model_ = run.model == "vus";
  fmt::print(out_, "running {}: {:.0f}s planned\n{}", run.scenario, planned_s_, run.plan_text);
  std::fflush(out_);
}

void ProgressLine::on_interval(const run::IntervalView& interval) {
  const auto& p = interval.point;
  errors_ += p.errors;
  const std::string level = closed_model_ ? fmt::format("users {}", p.users)
                                          : fmt::format("target {}", core::format_rate(p.target_level));
  // \r and an erase-to-end-of-line keep it on one line however long the previous one was.
  fmt::print(out_, "\r\x1b[K  {:>5.0f}s/{:.0f}s  {:<10} {}  achieved {}  in-flight {}  p99 {}  errors {}{}", p.t_s,
             planned_s_, p.stage, level, core::format_rate(p.rps), p.in_flight, core::format_duration_ms(p.p99_ms),
             errors_, interval.in_warmup ? "  (warm-up)" : "");
  std::fflush(out_);
}

void ProgressLine::on_finish(const run::Result&) {
  fmt::print(out_, "\n");
  std::fflush(out_);
}

}  // namespace loadgen::reports
