#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Builds an OpenMetrics text exposition (application/openmetrics-text 1.0.0): families with
// TYPE/HELP lines, samples with escaped labels, and the mandatory "# EOF" terminator.
namespace loadgen::refserver {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

class OpenMetricsText {
 public:
  static constexpr std::string_view kContentType =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  // Starts a metric family; `type` is counter, gauge, summary, ...
  void family(std::string_view name, std::string_view type, std::string_view help);

  // `name` is the full sample name, e.g. "refserver_http_requests_total".
  void sample(std::string_view name, const Labels& labels, double value);
  void sample(std::string_view name, const Labels& labels, std::uint64_t value);
  void sample(std::string_view name, std::uint64_t value) { sample(name, {}, value); }

  // One series of a histogram family: `name`_bucket per upper bound and for +Inf, then
  // `name`_count and `name`_sum. `cumulative` holds the count at or below each bound, then
  // the count of all (+Inf); throws std::invalid_argument when it is not one longer.
  void histogram(std::string_view name, const Labels& labels, std::span<const double> upper_bounds,
                 std::span<const std::uint64_t> cumulative, double sum);

  // The exposition, "# EOF" terminated. Call once.
  std::string finish();

 private:
  void write_name_and_labels(std::string_view name, const Labels& labels);

  std::string text_;
};

}  // namespace loadgen::refserver
