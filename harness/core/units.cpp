#include "harness/core/units.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace loadgen::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads a non-negative decimal number at the front of `s` and removes it.
std::optional<double> take_number(std::string_view& s) {
  double value = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::fixed);
  if (ec != std::errc{} || ptr == begin || !std::isfinite(value) || value < 0) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(ptr - begin));
  return value;
}

std::string_view take_unit(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && !std::isdigit(static_cast<unsigned char>(s[n])) && s[n] != '.') ++n;
  auto unit = s.substr(0, n);
  s.remove_prefix(n);
  return unit;
}

std::optional<double> duration_unit_ns(std::string_view unit) {
  if (unit == "h") return 3600e9;
  if (unit == "m") return 60e9;
  if (unit == "s") return 1e9;
  if (unit == "ms") return 1e6;
  if (unit == "us" || unit == "\xC2\xB5s") return 1e3;
  if (unit == "ns") return 1.0;
  return std::nullopt;
}

std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// Three significant figures, without trailing zeros.
std::string sig3(double v) {
  if (v >= 100) return trim_zeros(fmt::format("{:.0f}", v));
  if (v >= 10) return trim_zeros(fmt::format("{:.1f}", v));
  if (v >= 1) return trim_zeros(fmt::format("{:.2f}", v));
  return trim_zeros(fmt::format("{:.3f}", v));
}

}  // namespace

Expected<Nanos> parse_duration(std::string_view text) {
  auto s = trim(text);
  if (s.empty()) return Expected<Nanos>::failure("empty duration");
  if (s == "0") return Nanos{0};
  double total_ns = 0;
  while (!s.empty()) {
    auto number = take_number(s);
    if (!number) {
      return Expected<Nanos>::failure(fmt::format("'{}' is not a duration (e.g. 250ms, 30s, 1m30s)", text));
    }
    auto unit = take_unit(s);
    auto scale = duration_unit_ns(unit);
    if (!scale) {
      return Expected<Nanos>::failure(
          unit.empty() ? fmt::format("duration '{}' needs a unit (ns, us, ms, s, m, h)", text)
                       : fmt::format("unknown duration unit '{}' in '{}' (use ns, us, ms, s, m, h)",
                                     unit, text));
    }
    total_ns += *number * *scale;
  }
  if (total_ns > 1e18) return Expected<Nanos>::failure(fmt::format("duration '{}' is too long", text));
  return Nanos{static_cast<int64_t>(std::llround(total_ns))};
}

Expected<double> parse_rate(std::string_view text) {
  auto s = trim(text);
  auto number = take_number(s);
  if (!number) return Expected<double>::failure(fmt::format("'{}' is not a rate (e.g. 500, 1.5k, 6000/m)", text));
  double value = *number;
  if (!s.empty() && (s.front() == 'k' || s.front() == 'K')) {
    value *= 1e3;
    s.remove_prefix(1);
  } else if (!s.empty() && s.front() == 'M') {
    value *= 1e6;
    s.remove_prefix(1);
  }
  if (!s.empty()) {
    if (s.front() != '/') return Expected<double>::failure(fmt::format("'{}' is not a rate (e.g. 500, 1.5k, 6000/m)", text));
    s.remove_prefix(1);
    auto per = duration_unit_ns(s);
    if (!per) return Expected<double>::failure(fmt::format("unknown time unit '{}' in rate '{}'", s, text));
    value *= 1e9 / *per;
  }
  return value;
}

Expected<double> parse_bytes(std::string_view text) {
  auto s = trim(text);
  auto number = take_number(s);
  if (!number) return Expected<double>::failure(fmt::format("'{}' is not a size (e.g. 512KB, 500MB, 1GiB)", text));
  auto unit = trim(s);
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"", 1},        {"B", 1},          {"KB", 1e3},          {"MB", 1e6},
      {"GB", 1e9},    {"TB", 1e12},      {"KiB", 1024.0},      {"MiB", 1048576.0},
      {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}, {"kB", 1e3}};
  for (const auto& [name, scale] : kUnits) {
    if (unit == name) return *number * scale;
  }
  return Expected<double>::failure(fmt::format("unknown size unit '{}' in '{}' (use B, KB, MB, GB, KiB, MiB, GiB)", unit, text));
}

Expected<double> parse_ratio(std::string_view text) {
  auto s = trim(text);
  bool percent = !s.empty() && s.back() == '%';
  if (percent) s.remove_suffix(1);
  auto number = take_number(s);
  if (!number || !s.empty()) return Expected<double>::failure(fmt::format("'{}' is not a ratio (e.g. 0.01 or 1%)", text));
  return percent ? *number / 100.0 : *number;
}

std::string format_duration(Nanos d) {
  const auto ns = static_cast<double>(d.count());
  const double a = std::abs(ns);
  const char* sign = ns < 0 ? "-" : "";
  if (a == 0) return "0s";
  if (a < 1e3) return fmt::format("{}{}ns", sign, sig3(a));
  if (a < 1e6) return fmt::format("{}{}us", sign, sig3(a / 1e3));
  if (a < 1e9) return fmt::format("{}{}ms", sign, sig3(a / 1e6));
  if (a < 60e9) return fmt::format("{}{}s", sign, sig3(a / 1e9));
  const auto total_s = static_cast<int64_t>(std::llround(a / 1e9));
  if (total_s < 3600) {
    return total_s % 60 ? fmt::format("{}{}m{}s", sign, total_s / 60, total_s % 60)
                        : fmt::format("{}{}m", sign, total_s / 60);
  }
  const int64_t minutes = (total_s % 3600) / 60;
  return minutes ? fmt::format("{}{}h{}m", sign, total_s / 3600, minutes)
                 : fmt::format("{}{}h", sign, total_s / 3600);
}

std::string format_duration_ms(double ms) {
  return format_duration(Nanos{static_cast<int64_t>(std::llround(ms * 1e6))});
}

std::string format_rate(double per_second) {
  if (per_second >= 1e6) return sig3(per_second / 1e6) + "M/s";
  if (per_second >= 1e4) return sig3(per_second / 1e3) + "k/s";
  return sig3(per_second) + "/s";
}

std::string format_bytes(double bytes) {
  if (bytes >= 1073741824.0) return sig3(bytes / 1073741824.0) + "GiB";
  if (bytes >= 1048576.0) return sig3(bytes / 1048576.0) + "MiB";
  if (bytes >= 1024.0) return sig3(bytes / 1024.0) + "KiB";
  return sig3(bytes) + "B";
}

std::string format_percent(double fraction) { return sig3(fraction * 100.0) + "%"; }

}  // namespace loadgen::core
