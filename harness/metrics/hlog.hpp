#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/metrics/histogram.hpp"

// The HdrHistogram interval log (".hlog", log format 1.3 with V2 payloads), written the way
// Java's HistogramLogWriter writes it so that HistogramLogProcessor reads our files, and read
// the way Java's HistogramLogScanner reads them (hdr-spec.md §3.1-3.2).
namespace loadgen::metrics {

class HlogWriter {
 public:
  // `max_value_ratio` divides each interval's max in the max column (1e6: ns shown as ms).
  explicit HlogWriter(std::ostream& out, double max_value_ratio = 1e6);

  // Comment, version, #[StartTime], #[BaseTime] and legend lines. Times are seconds since
  // the epoch; interval timestamps are then written relative to `base_time_s`.
  void write_header(std::string_view comment, double start_time_s, double base_time_s);
  // One interval line. `tag` must not contain ',', ' ', '\r' or '\n' (checked).
  void write_interval(double start_s, double length_s, const Histogram& histogram,
                      std::string_view tag = {});

 private:
  std::ostream& out_;
  double max_value_ratio_;
  double base_time_s_ = 0;
};

struct HlogInterval {
  std::string tag;         // empty when untagged
  double start_s;          // as written on the line (relative to base_time_s)
  double length_s;
  Histogram histogram;
};

struct HlogFile {
  std::optional<double> start_time_s;  // from #[StartTime: ...]
  std::optional<double> base_time_s;   // from #[BaseTime: ...]
  std::vector<HlogInterval> intervals;
  // Absolute epoch seconds of an interval's start, with Java's rule for a missing BaseTime.
  double absolute_start_s(const HlogInterval& interval) const;
};

// Reads a whole log. Unlike Java, which stops silently at the first bad line, a malformed
// line is an error naming `source_name:line`.
core::Expected<HlogFile> read_hlog(std::istream& in, std::string_view source_name);

// The date text Java's Date.toString() prints, in UTC ("Tue Nov 14 22:13:20 UTC 2023").
std::string java_date_text(double epoch_s);

}  // namespace loadgen::metrics
