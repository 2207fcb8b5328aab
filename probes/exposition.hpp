#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text, parsed line by line
// into callbacks: nothing is kept but what the visitor keeps, so a target exposing 100,000
// series costs only the series the caller selects. Our own parser: no C++ one is packaged in
// Debian. What it follows, from both specifications:
//   # HELP name text        (\\ and \n escapes in the text)
//   # TYPE name type        counter gauge histogram summary untyped; OpenMetrics adds
//                           gaugehistogram stateset info unknown
//   # UNIT name unit        (OpenMetrics)
//   # EOF                   (OpenMetrics: required last line; nothing may follow)
//   name{label="value",...} value [timestamp] [# {labels} value [timestamp]]
// Label values escape \\, \" and \n; values may be +Inf, -Inf, NaN (any case in the text
// format); the text format's timestamp is integer milliseconds, OpenMetrics' is float seconds
// (both are reported in ms); the text format allows a trailing comma in label sets and runs of
// blanks between tokens; a `#` line that is not HELP/TYPE/UNIT/EOF is a comment. An exemplar
// (OpenMetrics) is checked and skipped.
namespace loadgen::probes {

enum class ExpositionFormat { kPrometheusText, kOpenMetrics };

enum class MetricType { kUntyped, kCounter, kGauge, kHistogram, kSummary, kGaugeHistogram, kStateset, kInfo };
std::string_view to_string(MetricType type);

struct ExpositionSample {
  std::string_view name;                                   // as written: x_bucket, x_total, ...
  std::vector<std::pair<std::string, std::string>> labels;  // in the order written, unescaped
  double value = 0;
  std::optional<int64_t> timestamp_ms;
  // The family this sample belongs to (from the last # TYPE whose name it extends by a known
  // suffix such as _bucket, _sum, _count, _total, _created), and its type; untyped otherwise.
  std::string_view family;
  MetricType type = MetricType::kUntyped;
};

class ExpositionVisitor {
 public:
  virtual ~ExpositionVisitor() = default;
  virtual void on_type(std::string_view /*family*/, MetricType /*type*/) {}
  virtual void on_help(std::string_view /*family*/, const std::string& /*text*/) {}
  virtual void on_unit(std::string_view /*family*/, std::string_view /*unit*/) {}
  virtual void on_sample(const ExpositionSample& sample) = 0;
};

struct ExpositionError {
  size_t line = 0;  // 1-based
  size_t column = 0;
  std::string message;
  std::string str() const;  // "line 3, column 14: ..."
};

// Parses `text`, calling `visitor` for what it finds, up to the first error (returned).
std::optional<ExpositionError> parse_exposition(std::string_view text, ExpositionFormat format,
                                                ExpositionVisitor& visitor);

// From a Content-Type header: OpenMetrics when it says application/openmetrics-text.
ExpositionFormat format_of_content_type(std::string_view content_type);

}  // namespace loadgen::probes
