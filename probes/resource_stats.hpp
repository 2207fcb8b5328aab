#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/metrics/histogram.hpp"

// The resource probe's figures, kept as running totals so that a soak of any length costs the
// same memory: CPU in a histogram, memory as extremes plus a least-squares line.
namespace loadgen::probes {

struct ResourceSample {
  std::chrono::nanoseconds at{0};  // since sampling started
  bool has_cpu = false;            // false for the first sample: CPU needs an interval
  double cpu_user = 0;             // cores busy over the interval before it (1.0 = one core)
  double cpu_system = 0;
  int64_t rss_bytes = 0;
  int threads = 0;
  int fds = -1;  // -1: could not be counted
  double cpu() const { return cpu_user + cpu_system; }
};

struct ResourceSummary {
  size_t samples = 0;
  std::chrono::nanoseconds span{0};  // first to last sample
  int machine_cores = 1;

  // CPU in cores (1.0 = one core busy; the target.cpu SLOs read these as percentages).
  double cpu_avg = 0, cpu_p95 = 0, cpu_max = 0;
  double cpu_user_avg = 0, cpu_system_avg = 0;
  // The same as a share of the whole machine (cpu / machine_cores), 0..1.
  double cpu_avg_machine = 0, cpu_p95_machine = 0, cpu_max_machine = 0;
  // Any CPU percentile (0..100), in cores; 0 without CPU samples.
  double cpu_at_percentile(double percentile) const;

  int64_t rss_start = 0, rss_max = 0, rss_end = 0;
  double rss_mean = 0;
  // Growth per hour by a least-squares line through the samples of the slope window (see
  // SlopeWindow): start-up growth is not a leak, and a few seconds say nothing about a trend.
  // Nothing when the window was too short; rss_slope_note then says why.
  std::optional<double> rss_slope_bytes_per_hour;
  std::chrono::nanoseconds rss_slope_span{0};  // what the slope was judged over
  std::string rss_slope_note;

  int threads_max = 0;
  double threads_mean = 0;
  int fds_max = -1;  // -1: never counted
  double fds_mean = 0;

  // The process used at least kSaturation of the cores it may use (capacity_cores): when it
  // is loadgen itself, the results may measure the generator, not the target.
  double capacity_cores = 1;
  bool saturated = false;

  bool process_ended = false;  // set by ResourceSampler: the process exited while sampled

  metrics::Histogram cpu_histogram{1, 10'000'000, 2};  // in 1/10000 of a core, up to 1000 cores
};

inline constexpr size_t kMinSlopeSamples = 10;
inline constexpr double kSaturation = 0.9;

// Which samples the RSS slope is judged over: those from `after` on (since sampling started),
// and only when they span `min_span` or more.
struct SlopeWindow {
  std::chrono::nanoseconds after{0};
  std::chrono::nanoseconds min_span = std::chrono::seconds(1);
};

class ResourceStats {
 public:
  explicit ResourceStats(SlopeWindow window = {}) : window_(window) {}
  void add(const ResourceSample& sample);
  // `capacity_cores`: what saturation is judged against; nothing: the whole machine.
  ResourceSummary summary(std::optional<double> capacity_cores) const;
  size_t count() const { return count_; }

 private:
  size_t count_ = 0;
  std::chrono::nanoseconds first_at_{0}, last_at_{0};
  size_t cpu_count_ = 0;
  double cpu_seconds_ = 0;                         // the intervals the CPU rates cover
  double cpu_user_sum_ = 0, cpu_system_sum_ = 0;  // core-seconds: rate x interval
  double cpu_max_ = 0;
  metrics::Histogram cpu_histogram_{1, 10'000'000, 2};
  int64_t rss_start_ = 0, rss_max_ = 0, rss_end_ = 0;
  double rss_sum_ = 0;
  // Over the slope window: running means and co-moments (Welford) of time in seconds and RSS,
  // stable over long soaks, unlike raw sums of squares.
  SlopeWindow window_;
  size_t slope_count_ = 0;
  std::chrono::nanoseconds slope_first_at_{0};
  double mean_t_ = 0, mean_rss_ = 0, c_tt_ = 0, c_t_rss_ = 0;
  int threads_max_ = 0;
  double threads_sum_ = 0;
  int fds_max_ = -1;
  size_t fds_count_ = 0;
  double fds_sum_ = 0;
};

}  // namespace loadgen::probes
