#include "harness/slo/threshold.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "harness/core/units.hpp"

namespace loadgen::slo {
namespace {

using R = core::Expected<Threshold>;

// What the threshold's own unit says it is, before looking at the stat.
enum class Written { kNumber, kPercent, kDuration, kRate, kSize, kSizePerHour };

struct WrittenValue {
  Written kind;
  double value;  // ns, per second, fraction, bytes, bytes per hour
};

std::optional<double> plain_number(std::string_view t) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value, std::chars_format::fixed);
  if (ec != std::errc{} || ptr != t.data() + t.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

// "10MB/h", "1KiB/s": a size over a time unit, as bytes per hour.
std::optional<double> size_per_hour(std::string_view t) {
  const auto slash = t.rfind('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  const auto size = t.substr(0, slash);
  auto bytes = core::parse_bytes(size);
  auto per = core::parse_duration(fmt::format("1{}", t.substr(slash + 1)));
  if (!bytes || plain_number(size) || !per || per->count() <= 0)
    return std::nullopt;
  return *bytes * 3600e9 / static_cast<double>(per->count());
}

std::optional<WrittenValue> read_written(std::string_view t) {
  if (auto n = plain_number(t))
    return WrittenValue{Written::kNumber, *n};
  if (t.back() == '%') {
    auto r = core::parse_ratio(t);
    return r ? std::optional(WrittenValue{Written::kPercent, *r}) : std::nullopt;
  }
  if (auto d = core::parse_duration(t)) {
    return WrittenValue{Written::kDuration, static_cast<double>(d->count())};
  }
  if (auto b = core::parse_bytes(t))
    return WrittenValue{Written::kSize, *b};
  if (auto r = core::parse_rate(t))
    return WrittenValue{Written::kRate, *r};
  if (auto s = size_per_hour(t))
    return WrittenValue{Written::kSizePerHour, *s};
  return std::nullopt;
}

std::string_view written_name(Written kind) {
  switch (kind) {
    case Written::kNumber:
      return "a plain number";
    case Written::kPercent:
      return "a percentage";
    case Written::kDuration:
      return "a duration";
    case Written::kRate:
      return "a rate";
    case Written::kSize:
      return "a size";
    case Written::kSizePerHour:
      return "a size per hour";
  }
  return "a value";
}

std::string_view quantity_name(Quantity q) {
  switch (q) {
    case Quantity::kDuration:
      return "a duration";
    case Quantity::kRate:
      return "a rate";
    case Quantity::kCount:
      return "a count";
    case Quantity::kRatio:
      return "a ratio";
    case Quantity::kBytes:
      return "a size";
    case Quantity::kBytesPerHour:
      return "a size per hour";
    case Quantity::kMetric:
      return "a value in the metric's unit";
  }
  return "a value";
}

// The units parser's own message for a threshold nothing could read.
std::string unreadable(std::string_view t, Quantity q) {
  switch (q) {
    case Quantity::kDuration:
      return core::parse_duration(t).error();
    case Quantity::kRate:
      return core::parse_rate(t).error();
    case Quantity::kRatio:
      return core::parse_ratio(t).error();
    case Quantity::kBytes:
      return core::parse_bytes(t).error();
    case Quantity::kCount:
      return fmt::format("'{}' is not a number", t);
    case Quantity::kBytesPerHour:
      return fmt::format("'{}' is not a size per hour (e.g. 10MB/h)", t);
    case Quantity::kMetric:
      return fmt::format("'{}' is not a number, a duration (100ms) or a size (1GB)", t);
  }
  return fmt::format("'{}' is not a threshold", t);
}

// Which written kinds each quantity accepts; the message explains any other.
R fit(std::string_view t, const StatInfo& stat, Family family, WrittenValue w) {
  const auto mismatch = [&] {
    return R::failure(fmt::format("{} is {}; {} is {}", stat.written, quantity_name(stat.quantity),
                                  t, written_name(w.kind)));
  };
  const bool number = w.kind == Written::kNumber;
  switch (stat.quantity) {
    case Quantity::kDuration:
      if (number)
        return R::failure(fmt::format("{} needs a unit, e.g. {}ms", t, t));
      return w.kind == Written::kDuration ? R(Threshold{w.value, ""}) : mismatch();
    case Quantity::kRate:
      return number || w.kind == Written::kRate ? R(Threshold{w.value, ""}) : mismatch();
    case Quantity::kCount:
      return number ? R(Threshold{w.value, ""}) : mismatch();
    case Quantity::kRatio:
      if (family == Family::kTargetCpu && number) {
        return R::failure(fmt::format("write CPU as a percentage, e.g. {}% (100% is one core)", t));
      }
      return number || w.kind == Written::kPercent ? R(Threshold{w.value, ""}) : mismatch();
    case Quantity::kBytes:
      if (number)
        return R::failure(fmt::format("{} needs a unit, e.g. {}MB", t, t));
      return w.kind == Written::kSize ? R(Threshold{w.value, ""}) : mismatch();
    case Quantity::kBytesPerHour:
      if (number)
        return R::failure(fmt::format("{} needs a unit, e.g. {}MB/h", t, t));
      if (w.kind == Written::kSize) {
        return R::failure(
            fmt::format("{} is a size per hour; {} is a size (write {}/h)", stat.written, t, t));
      }
      return w.kind == Written::kSizePerHour ? R(Threshold{w.value, ""}) : mismatch();
    case Quantity::kMetric:
      // Prometheus's base units: seconds and bytes. A duration is converted to seconds.
      if (w.kind == Written::kDuration) return R(Threshold{w.value / 1e9, ""});
      if (w.kind == Written::kSizePerHour) return mismatch();
      return R(Threshold{w.value, ""});
  }
  return mismatch();
}

R symbolic(std::string_view t, const StatInfo& stat) {
  if (t == "target") {
    if (stat.stat == "rps")
      return Threshold{std::nullopt, "target"};
    return R::failure("'target' is a threshold only for rps (e.g. http.rps >= target)");
  }
  return R::failure(fmt::format(
      "'{}' is not a threshold (a number with a unit, e.g. 200ms, 1k, 0.1%, 500MB)", t));
}

}  // namespace

core::Expected<Threshold> parse_threshold(std::string_view text, Family family,
                                          const StatInfo& stat) {
  if (std::isalpha(static_cast<unsigned char>(text.front())) || text.front() == '_') {
    return symbolic(text, stat);
  }
  // Only a memory slope can go down; every other quantity is a size, count or time.
  const bool negative = text.front() == '-';
  if (negative && stat.quantity != Quantity::kBytesPerHour && stat.quantity != Quantity::kMetric) {
    return R::failure(fmt::format("thresholds cannot be negative ('{}')", text));
  }
  const auto magnitude = negative ? text.substr(1) : text;
  if (magnitude.empty())
    return R::failure(unreadable(text, stat.quantity));
  auto written = read_written(magnitude);
  if (!written)
    return R::failure(unreadable(magnitude, stat.quantity));
  auto result = fit(text, stat, family, *written);
  if (result.ok() && negative)
    return Threshold{-*result->value, ""};
  return result;
}

std::optional<std::string> impossible(Family family, const StatInfo& stat, Comparison op,
                                      double threshold, std::string_view text) {
  const bool bounded_below = stat.quantity != Quantity::kBytesPerHour && stat.quantity != Quantity::kMetric;
  const bool at_most_one = family == Family::kRequest && stat.quantity == Quantity::kRatio;
  const auto& s = stat.written;
  const auto op_text = to_string(op);
  if (at_most_one && threshold > 1.0) {
    if (text.back() == '%') {
      return fmt::format("{} is more than 100%: {} can never exceed 100%", text, s);
    }
    return fmt::format("{} is more than 1 (100%); write {}% for a percentage", text, text);
  }
  if (bounded_below && threshold == 0.0) {
    if (op == Comparison::kLess) {
      return fmt::format("'{} {} {}' can never hold ({} is never below 0)", s, op_text, text, s);
    }
    if (op == Comparison::kGreaterEqual) {
      return fmt::format("'{} {} {}' always holds ({} is never below 0)", s, op_text, text, s);
    }
  }
  if (at_most_one && threshold == 1.0) {
    if (op == Comparison::kGreater) {
      return fmt::format("'{} {} {}' can never hold ({} is at most 100%)", s, op_text, text, s);
    }
    if (op == Comparison::kLessEqual) {
      return fmt::format("'{} {} {}' always holds ({} is at most 100%)", s, op_text, text, s);
    }
  }
  return std::nullopt;
}

}  // namespace loadgen::slo
