#include "probes/resource_stats.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "probes/proc_stat.hpp"

namespace loadgen::probes {
namespace {

constexpr double kCpuUnitsPerCore = 10'000;  // the CPU histogram's resolution: 0.01% of a core
constexpr double kSecondsPerHour = 3600;

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

double mean(double sum, size_t n) {
  return n == 0 ? 0 : sum / static_cast<double>(n);
}

}  // namespace

double ResourceSummary::cpu_at_percentile(double percentile) const {
  return static_cast<double>(cpu_histogram.value_at_percentile(percentile)) / kCpuUnitsPerCore;
}

void ResourceStats::add(const ResourceSample& s) {
  if (count_ == 0) {
    first_at_ = s.at;
    rss_start_ = s.rss_bytes;
  }
  ++count_;
  // CPU is a rate over the interval before the sample: the average weights each by its
  // interval, i.e. total CPU time over total time. A plain mean let one short interval (a few
  // clock ticks over a millisecond read as 9 cores) swing the average of a whole run.
  const double interval_s = seconds(s.at - last_at_);
  last_at_ = s.at;
  if (s.has_cpu && interval_s > 0) {
    ++cpu_count_;
    cpu_seconds_ += interval_s;
    cpu_user_sum_ += s.cpu_user * interval_s;
    cpu_system_sum_ += s.cpu_system * interval_s;
    cpu_max_ = std::max(cpu_max_, s.cpu());
    cpu_histogram_.record(std::llround(std::max(0.0, s.cpu()) * kCpuUnitsPerCore));
  }
  rss_max_ = std::max(rss_max_, s.rss_bytes);
  rss_end_ = s.rss_bytes;
  rss_sum_ += static_cast<double>(s.rss_bytes);
  if (s.at >= window_.after) {
    if (slope_count_++ == 0) slope_first_at_ = s.at;
    const double t = seconds(s.at - slope_first_at_);
    const double dt = t - mean_t_;
    const auto n = static_cast<double>(slope_count_);
    mean_t_ += dt / n;
    mean_rss_ += (static_cast<double>(s.rss_bytes) - mean_rss_) / n;
    c_tt_ += dt * (t - mean_t_);
    c_t_rss_ += dt * (static_cast<double>(s.rss_bytes) - mean_rss_);
  }
  threads_max_ = std::max(threads_max_, s.threads);
  threads_sum_ += s.threads;
  if (s.fds >= 0) {
    fds_max_ = std::max(fds_max_, s.fds);
    ++fds_count_;
    fds_sum_ += s.fds;
  }
}

ResourceSummary ResourceStats::summary(std::optional<double> capacity_cores) const {
  ResourceSummary s;
  s.samples = count_;
  s.span = last_at_ - first_at_;
  s.machine_cores = machine_cores();
  s.cpu_user_avg = cpu_seconds_ > 0 ? cpu_user_sum_ / cpu_seconds_ : 0;
  s.cpu_system_avg = cpu_seconds_ > 0 ? cpu_system_sum_ / cpu_seconds_ : 0;
  s.cpu_avg = s.cpu_user_avg + s.cpu_system_avg;
  s.cpu_max = cpu_max_;
  s.cpu_histogram = cpu_histogram_;
  s.cpu_p95 = s.cpu_at_percentile(95);
  const double cores = s.machine_cores;
  s.cpu_avg_machine = s.cpu_avg / cores;
  s.cpu_p95_machine = s.cpu_p95 / cores;
  s.cpu_max_machine = s.cpu_max / cores;
  s.rss_start = rss_start_;
  s.rss_max = rss_max_;
  s.rss_end = rss_end_;
  s.rss_mean = mean(rss_sum_, count_);
  s.rss_slope_span = slope_count_ > 0 ? last_at_ - slope_first_at_ : std::chrono::nanoseconds{0};
  if (slope_count_ >= kMinSlopeSamples && s.rss_slope_span >= window_.min_span && c_tt_ > 0) {
    s.rss_slope_bytes_per_hour = c_t_rss_ / c_tt_ * kSecondsPerHour;
  } else {
    s.rss_slope_note = fmt::format("too short: the slope is judged over {} or more after the first {}, this run gave {}",
                                   core::format_duration(window_.min_span), core::format_duration(window_.after),
                                   core::format_duration(s.rss_slope_span));
  }
  s.threads_max = threads_max_;
  s.threads_mean = mean(threads_sum_, count_);
  s.fds_max = fds_max_;
  s.fds_mean = mean(fds_sum_, fds_count_);
  s.capacity_cores = std::min(capacity_cores.value_or(cores), cores);
  s.saturated = cpu_count_ > 0 && s.cpu_avg >= kSaturation * s.capacity_cores;
  return s;
}

}  // namespace loadgen::probes
