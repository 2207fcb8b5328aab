#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"

// Human units, parsed and printed in one place so that every scenario field, flag and report
// agrees: durations ("250ms", "1m30s"), rates ("1k", "500/s", "6000/m"), sizes ("500MB",
// "1GiB") and ratios ("0.1%").
namespace loadgen::core {

using Nanos = std::chrono::nanoseconds;

// "1h", "2m", "30s", "1.5s", "250ms", "100us" (or "µs"), "10ns", and sums such as "1m30s".
// A bare "0" is zero; any other number needs a unit.
Expected<Nanos> parse_duration(std::string_view text);

// Requests (or users) per second: "500", "1.5k", "2M", "500/s", "6000/m", "10/ms".
Expected<double> parse_rate(std::string_view text);

// Bytes: "512", "10KB" (1000), "10KiB" (1024), "500MB", "1.5GiB".
Expected<double> parse_bytes(std::string_view text);

// A plain number or a percentage as a fraction: "0.5" -> 0.5, "0.1%" -> 0.001.
Expected<double> parse_ratio(std::string_view text);

// Shortest readable form with at most 3 significant decimals: "850ns", "12.3us", "4.56ms",
// "1.5s", "2m30s", "1h2m".
std::string format_duration(Nanos d);
std::string format_duration_ms(double ms);
std::string format_rate(double per_second);  // "1.23k/s"
std::string format_bytes(double bytes);      // "12.3MiB"
std::string format_percent(double fraction); // "0.12%"

}  // namespace loadgen::core
