#include "tests/targets/refserver/exposition_check.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "probes/exposition.hpp"

namespace loadgen::refserver::testing {
namespace {

using probes::MetricType;

std::string series_key(std::string_view name, SampleLabels labels) {
  std::sort(labels.begin(), labels.end());
  std::string key(name);
  for (const auto& [label, value] : labels)
    key += fmt::format("|{}={}", label, value);
  return key;
}

// One histogram series as its samples arrive: buckets in written order, then count and sum.
struct HistogramSeries {
  std::string family;
  std::vector<std::pair<std::string, double>> buckets;  // le as written, cumulative count
  std::optional<double> count;
  std::optional<double> sum;
};

class Collector : public probes::ExpositionVisitor {
 public:
  Collector(std::vector<std::string>& problems, std::map<std::string, double>& samples)
      : problems_(problems), samples_(samples) {}

  void on_type(std::string_view family, MetricType) override {
    if (!families_.emplace(family).second)
      problems_.push_back(fmt::format("family {} is declared twice", family));
  }

  void on_sample(const probes::ExpositionSample& sample) override {
    if (sample.type == MetricType::kUntyped) {
      problems_.push_back(
          fmt::format("sample {} is in no declared family (or has a name its "
                      "family's type does not allow)",
                      sample.name));
    }
    if (sample.type == MetricType::kCounter && !sample.name.ends_with("_total") &&
        !sample.name.ends_with("_created")) {
      problems_.push_back(fmt::format("counter sample {} does not end in _total", sample.name));
    }
    const auto key = series_key(sample.name, sample.labels);
    if (!samples_.emplace(key, sample.value).second)
      problems_.push_back(fmt::format("series {} is written twice", key));
    if (sample.type == MetricType::kHistogram)
      add_to_histogram(sample);
  }

  std::vector<HistogramSeries> histograms;

 private:
  void add_to_histogram(const probes::ExpositionSample& sample) {
    SampleLabels labels;
    std::optional<std::string> le;
    for (const auto& label : sample.labels) {
      if (label.first == "le") {
        le = label.second;
      } else {
        labels.push_back(label);
      }
    }
    auto& series = series_for(sample.family, series_key(sample.family, labels));
    const auto suffix = sample.name.substr(sample.family.size());
    if (suffix == "_bucket") {
      if (!le) {
        problems_.push_back(fmt::format("{} has no le label", sample.name));
        return;
      }
      series.buckets.emplace_back(*le, sample.value);
    } else if (suffix == "_count") {
      series.count = sample.value;
    } else if (suffix == "_sum") {
      series.sum = sample.value;
    }
  }

  HistogramSeries& series_for(std::string_view family, const std::string& key) {
    auto [it, added] = index_.emplace(key, histograms.size());
    if (added)
      histograms.push_back({std::string(family), {}, {}, {}});
    return histograms[it->second];
  }

  std::vector<std::string>& problems_;
  std::map<std::string, double>& samples_;
  std::set<std::string, std::less<>> families_;
  std::map<std::string, std::size_t> index_;
};

std::optional<double> parse_le(const std::string& le) {
  if (le == "+Inf")
    return INFINITY;
  try {
    std::size_t used = 0;
    const double bound = std::stod(le, &used);
    return used == le.size() ? std::optional(bound) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void check_histogram(const HistogramSeries& series, std::vector<std::string>& problems) {
  const auto fail = [&](std::string_view what) {
    problems.push_back(fmt::format("histogram {}: {}", series.family, what));
  };
  if (series.buckets.empty() || series.buckets.back().first != "+Inf")
    return fail("the last bucket is not le=\"+Inf\"");
  double previous_bound = -INFINITY;
  double previous_count = 0;
  for (const auto& [le, count] : series.buckets) {
    const auto bound = parse_le(le);
    if (!bound)
      return fail(fmt::format("le=\"{}\" is not a number", le));
    if (*bound <= previous_bound)
      return fail(fmt::format("le=\"{}\" is not above the bucket before it", le));
    if (count < previous_count)
      return fail(fmt::format("bucket le=\"{}\" counts fewer than the one before it", le));
    previous_bound = *bound;
    previous_count = count;
  }
  if (!series.count || *series.count != series.buckets.back().second)
    fail("_count is missing or differs from the +Inf bucket");
  if (!series.sum)
    fail("_sum is missing");
}

}  // namespace

CheckedExposition::CheckedExposition(std::string_view open_metrics_text) {
  Collector collector(problems_, samples_);
  if (auto error = probes::parse_exposition(open_metrics_text,
                                            probes::ExpositionFormat::kOpenMetrics, collector)) {
    problems_.push_back(error->str());
  }
  for (const auto& series : collector.histograms)
    check_histogram(series, problems_);
}

std::optional<double> CheckedExposition::value(std::string_view name, SampleLabels labels) const {
  const auto it = samples_.find(series_key(name, std::move(labels)));
  return it == samples_.end() ? std::nullopt : std::optional(it->second);
}

int CheckedExposition::count_series(std::string_view name) const {
  const auto prefix = std::string(name) + "|";
  return static_cast<int>(std::count_if(samples_.begin(), samples_.end(), [&](const auto& entry) {
    return entry.first == name || entry.first.starts_with(prefix);
  }));
}

}  // namespace loadgen::refserver::testing
