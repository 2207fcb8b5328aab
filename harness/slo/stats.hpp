#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/slo/expression.hpp"

// Which stats each kind of metric has, and what quantity each stat measures. Internal to the
// SLO parser; kept apart so that the table reads as one list.
namespace loadgen::slo {

enum class Family {
  kRequest,      // http, a request name: latency, throughput, error counters
  kSendLag,      // send_lag: how late requests left versus their intended time
  kStartup,      // startup.<phase>: spawn-to-phase durations over runs
  kTargetCpu,    // target.cpu: CPU time / wall time (1.0 == one core)
  kTargetRss,    // target.rss: resident memory
  kTargetCount,  // target.fds, target.threads
  kCapacity,     // capacity: what a load.search found
  kTargetMetric, // target.metric.<name>: a series of the target's Prometheus metrics
};

// Classifies the metric part (every segment but the stat). Errors for malformed target.* and
// startup.* names list what is valid.
core::Expected<Family> classify_metric(const std::vector<std::string>& segments);

struct StatInfo {
  std::string stat;     // normalised: "avg" -> "mean", "med" -> "p50"
  std::string written;  // as written, for messages
  Quantity quantity = Quantity::kDuration;
  std::optional<double> percentile;
};

// Resolves `stat` for a metric of `family`; the error message lists the valid stats.
core::Expected<StatInfo> resolve_stat(Family family, std::string_view metric,
                                      std::string_view stat);

}  // namespace loadgen::slo
