#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/core/expected.hpp"

// What Prometheus does with scraped samples, for loadgen's own use of a target's metrics:
// which series a selector names, counters turned into rates across resets, and quantiles
// interpolated within histogram buckets.
namespace loadgen::probes {

// `name` or `name{label="value",...}`: a series matches when its name is `name` and it has
// every listed label with that value (other labels may be present, as in PromQL's `=`).
struct SeriesSelector {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  bool matches(std::string_view series_name, const std::vector<std::pair<std::string, std::string>>& series_labels) const;
  std::string str() const;  // back to the text form
};
core::Expected<SeriesSelector> parse_selector(std::string_view text);

// The increase of a counter from `previous` to `current`. A counter that went down was reset
// (the target restarted): as Prometheus's rate() does, the increase is then `current`, the
// count since the reset.
double counter_increase(double previous, double current);

// One cumulative bucket of a histogram: the count of observations <= upper_bound.
struct Bucket {
  double upper_bound = 0;
  double cumulative = 0;
};

// Prometheus's histogram_quantile rule (promql/quantile.go), for buckets in any order: the
// rank q x count is located in the first bucket whose cumulative count reaches it, and the
// value is interpolated linearly between that bucket's lower bound (the previous bucket's upper
// bound; 0 for the first bucket, unless its upper bound is <= 0, which is then the answer) and
// its upper bound. A rank in the +Inf bucket gives the highest finite upper bound. Cumulative
// counts that decrease (a scrape racing an update) are raised to stay monotonic. q < 0 gives
// -Inf, q > 1 +Inf; NaN when there is no +Inf bucket, fewer than two buckets, or no
// observation.
double histogram_quantile(double q, std::vector<Bucket> buckets);

}  // namespace loadgen::probes
