#include "harness/slo/stats.hpp"

#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace loadgen::slo {
namespace {

struct NamedStat {
  std::string_view name;
  Quantity quantity;
};

constexpr std::array kRequestStats = {
    NamedStat{"min", Quantity::kDuration},    NamedStat{"max", Quantity::kDuration},
    NamedStat{"mean", Quantity::kDuration},   NamedStat{"rps", Quantity::kRate},
    NamedStat{"count", Quantity::kCount},     NamedStat{"errors", Quantity::kCount},
    NamedStat{"dropped", Quantity::kCount},   NamedStat{"timeouts", Quantity::kCount},
    NamedStat{"error_rate", Quantity::kRatio}};
constexpr std::array kLatencyStats = {NamedStat{"min", Quantity::kDuration},
                                      NamedStat{"max", Quantity::kDuration},
                                      NamedStat{"mean", Quantity::kDuration}};
constexpr std::array kStartupStats = {
    NamedStat{"min", Quantity::kDuration}, NamedStat{"max", Quantity::kDuration},
    NamedStat{"mean", Quantity::kDuration}, NamedStat{"failed", Quantity::kCount}};
constexpr std::array kCpuStats = {NamedStat{"mean", Quantity::kRatio},
                                  NamedStat{"max", Quantity::kRatio}};
constexpr std::array kRssStats = {
    NamedStat{"max", Quantity::kBytes}, NamedStat{"start", Quantity::kBytes},
    NamedStat{"end", Quantity::kBytes}, NamedStat{"mean", Quantity::kBytes},
    NamedStat{"slope", Quantity::kBytesPerHour}};
constexpr std::array kCountStats = {NamedStat{"max", Quantity::kCount},
                                    NamedStat{"mean", Quantity::kCount}};
constexpr std::array kMetricStats = {
    NamedStat{"rate", Quantity::kMetric}, NamedStat{"max", Quantity::kMetric},
    NamedStat{"min", Quantity::kMetric},  NamedStat{"mean", Quantity::kMetric},
    NamedStat{"last", Quantity::kMetric}};
constexpr std::array kCapacityStats = {NamedStat{"max_rate", Quantity::kRate},
                                       NamedStat{"first_failing_rate", Quantity::kRate}};

struct FamilyStats {
  const NamedStat* begin;
  const NamedStat* end;
  bool percentiles;  // p<N> and med allowed
  Quantity percentile_quantity;
  std::string_view listing;  // for error messages
};

template <size_t N>
FamilyStats make(const std::array<NamedStat, N>& stats, bool percentiles, Quantity q,
                 std::string_view listing) {
  return {stats.data(), stats.data() + N, percentiles, q, listing};
}

FamilyStats stats_of(Family family) {
  switch (family) {
    case Family::kRequest:
      return make(kRequestStats, true, Quantity::kDuration,
                  "p<N>, min, max, mean (avg), med, rps, count, errors, dropped, timeouts, "
                  "error_rate");
    case Family::kSendLag:
      return make(kLatencyStats, true, Quantity::kDuration, "p<N>, min, max, mean (avg), med");
    case Family::kStartup:
      return make(kStartupStats, true, Quantity::kDuration,
                  "p<N>, min, max, mean (avg), med, failed");
    case Family::kTargetCpu:
      return make(kCpuStats, true, Quantity::kRatio, "avg (mean), max, p<N>");
    case Family::kTargetRss:
      return make(kRssStats, false, Quantity::kBytes, "max, start, end, mean (avg), slope");
    case Family::kTargetCount:
      return make(kCountStats, false, Quantity::kCount, "max, mean (avg)");
    case Family::kCapacity:
      return make(kCapacityStats, false, Quantity::kRate, "max_rate, first_failing_rate");
    case Family::kTargetMetric:
      return make(kMetricStats, true, Quantity::kMetric,
                  "p<N> (histograms, summaries), rate (counters), max, min, avg (mean), last");
  }
  return make(kLatencyStats, false, Quantity::kDuration, "");
}

bool is_percentile_form(std::string_view stat) {
  if (stat.size() < 2 || stat.front() != 'p')
    return false;
  return std::isdigit(static_cast<unsigned char>(stat[1])) != 0;
}

core::Expected<double> percentile_value(std::string_view stat) {
  double value = 0;
  const auto digits = stat.substr(1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                   std::chars_format::fixed);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || value > 100) {
    return core::Expected<double>::failure(
        fmt::format("'{}' is not a percentile (p0..p100)", stat));
  }
  return value;
}

}  // namespace

core::Expected<Family> classify_metric(const std::vector<std::string>& segments) {
  using R = core::Expected<Family>;
  const std::string_view head = segments.empty() ? std::string_view{} : segments.front();
  if (head == "startup") {
    if (segments.size() == 2)
      return Family::kStartup;
    return R::failure(segments.size() < 2
                          ? "write startup.<phase>.<stat>, e.g. startup.ready.p99"
                          : "startup metrics are startup.<phase>.<stat>; a phase is one name");
  }
  if (head == "target") {
    constexpr std::string_view kValid =
        "target.cpu, target.rss, target.fds, target.threads or target.metric.<name>";
    if (segments.size() >= 2 && segments[1] == "metric") {
      if (segments.size() == 3) return Family::kTargetMetric;
      return R::failure("write target.metric.<name>.<stat>, e.g. target.metric.db_query_seconds.p99");
    }
    if (segments.size() < 2) {
      return R::failure(
          fmt::format("write target.<resource>.<stat>, e.g. target.rss.max ({})", kValid));
    }
    const std::string_view resource = segments[1];
    if (segments.size() == 2 && resource == "cpu")
      return Family::kTargetCpu;
    if (segments.size() == 2 && resource == "rss")
      return Family::kTargetRss;
    if (segments.size() == 2 && (resource == "fds" || resource == "threads")) {
      return Family::kTargetCount;
    }
    std::string name = "target";
    for (size_t i = 1; i < segments.size(); ++i)
      name += "." + segments[i];
    return R::failure(fmt::format("'{}' is not a target metric (use {})", name, kValid));
  }
  if (head == "capacity" && segments.size() == 1) return Family::kCapacity;
  return head == "send_lag" && segments.size() == 1 ? Family::kSendLag : Family::kRequest;
}

core::Expected<StatInfo> resolve_stat(Family family, std::string_view metric,
                                      std::string_view stat) {
  using R = core::Expected<StatInfo>;
  const FamilyStats stats = stats_of(family);
  if (stats.percentiles && is_percentile_form(stat)) {
    auto value = percentile_value(stat);
    if (!value)
      return R::failure(value.error());
    return StatInfo{std::string(stat), std::string(stat), stats.percentile_quantity, *value};
  }
  if (stats.percentiles && stat == "med") {
    return StatInfo{"p50", std::string(stat), stats.percentile_quantity, 50.0};
  }
  const std::string_view name = stat == "avg" ? std::string_view("mean") : stat;
  for (const NamedStat* s = stats.begin; s != stats.end; ++s) {
    if (s->name == name) {
      return StatInfo{std::string(name), std::string(stat), s->quantity, std::nullopt};
    }
  }
  return R::failure(fmt::format("'{}' is not a stat of {} (use {})", stat, metric, stats.listing));
}

}  // namespace loadgen::slo
