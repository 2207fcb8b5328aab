#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/core/expected.hpp"

// SLO expressions: "metric[{tag=value,...}].stat op threshold", e.g. "http.p99 < 200ms",
// "list_items.p50 <= 20ms", "http.error_rate < 0.1%", "target.rss.max < 500MB",
// "http.p99{stage=spike} < 500ms", "http.rps >= target". The grammar (BNF) is documented
// beside the parser in expression.cpp.
namespace loadgen::slo {

enum class Comparison { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

// What kind of quantity a stat is; thresholds are converted to the kind's canonical unit.
enum class Quantity {
  kDuration,  // nanoseconds
  kRate,      // per second
  kCount,     // plain number
  kRatio,     // fraction (0.001 == 0.1%)
  kBytes,     // bytes
  kBytesPerHour,
  kMetric,    // a target's metric in its own unit: seconds, bytes, a plain number (durations
              // and sizes written in a threshold are converted to seconds and bytes)
};

struct Expression {
  std::string text;                          // as written, trimmed
  std::string metric;                        // "http", "list_items", "startup.ready", "target.rss"
  std::map<std::string, std::string> tags;   // {"stage": "spike"}, {"window": "1m"}
  // target.metric.<name>{route="/a"}: the label matchers, in the order written.
  std::vector<std::pair<std::string, std::string>> labels;
  std::string stat;                          // "p99", "p99.9", "max", "mean", "rps", "error_rate" ...
  std::optional<double> percentile;          // 99.9 for "p99.9"; empty for other stats
  Comparison op = Comparison::kLess;
  Quantity quantity = Quantity::kDuration;
  std::optional<double> threshold;           // canonical unit; empty when symbolic
  std::string symbolic_threshold;            // "target" for "http.rps >= target"
};

// Parses one expression. The failure message says what is wrong and where in the text
// (a 1-based column), e.g. "column 10: 'p101' is not a percentile (p0..p100)".
core::Expected<Expression> parse(std::string_view text);

std::string to_string(Comparison op);  // "<", "<=", ...
bool compare(double observed, Comparison op, double threshold);
// A value in the quantity's natural unit for people: "212ms", "0.12%", "480MB", "1.2k/s".
std::string format_quantity(double value, Quantity quantity);

}  // namespace loadgen::slo
