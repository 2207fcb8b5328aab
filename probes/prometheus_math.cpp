#include "probes/prometheus_math.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace loadgen::probes {

bool SeriesSelector::matches(std::string_view series_name,
                             const std::vector<std::pair<std::string, std::string>>& series_labels) const {
  if (series_name != name) return false;
  return std::all_of(labels.begin(), labels.end(), [&](const auto& want) {
    return std::find(series_labels.begin(), series_labels.end(), want) != series_labels.end();
  });
}

std::string SeriesSelector::str() const {
  if (labels.empty()) return name;
  std::string out = name + "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string value;
    for (char c : labels[i].second) {
      if (c == '\\' || c == '"') value += '\\';
      if (c == '\n') {
        value += "\\n";
        continue;
      }
      value += c;
    }
    out += fmt::format("{}{}=\"{}\"", i == 0 ? "" : ",", labels[i].first, value);
  }
  return out + "}";
}

core::Expected<SeriesSelector> parse_selector(std::string_view text) {
  using R = core::Expected<SeriesSelector>;
  const auto name_ok = [](std::string_view n, bool metric) {
    if (n.empty()) return false;
    for (size_t i = 0; i < n.size(); ++i) {
      const char c = n[i];
      const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
      if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
  };
  SeriesSelector s;
  const auto brace = text.find('{');
  s.name = std::string(text.substr(0, brace));
  if (!name_ok(s.name, true)) return R::failure(fmt::format("'{}' does not start with a metric name", text));
  if (brace == std::string_view::npos) return s;
  if (text.back() != '}') return R::failure(fmt::format("'{}': the label matchers must end with '}}'", text));
  size_t i = brace + 1;
  const size_t end = text.size() - 1;
  while (i < end) {
    const auto eq = text.find('=', i);
    if (eq == std::string_view::npos || eq >= end) return R::failure(fmt::format("'{}': a matcher is label=\"value\"", text));
    const auto label = text.substr(i, eq - i);
    if (!name_ok(label, false)) return R::failure(fmt::format("'{}': '{}' is not a label name", text, label));
    if (eq + 1 >= end || text[eq + 1] != '"') {
      return R::failure(fmt::format("'{}': the value of '{}' must be in double quotes", text, label));
    }
    std::string value;
    size_t j = eq + 2;
    for (; j < end && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < end) {
        ++j;
        value += text[j] == 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= end) return R::failure(fmt::format("'{}': the value of '{}' is not closed", text, label));
    s.labels.emplace_back(std::string(label), std::move(value));
    i = j + 1;
    if (i < end) {
      if (text[i] != ',') return R::failure(fmt::format("'{}': matchers are separated by ','", text));
      ++i;
    }
  }
  return s;
}

double counter_increase(double previous, double current) {
  return current < previous ? current : current - previous;
}

double histogram_quantile(double q, std::vector<Bucket> buckets) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (std::isnan(q) || buckets.empty()) return kNaN;
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0)) return kNaN;
  // Buckets of one bound (a series exposed twice) are one bucket.
  std::vector<Bucket> merged;
  for (const auto& x : buckets) {
    if (!merged.empty() && merged.back().upper_bound == x.upper_bound) {
      merged.back().cumulative += x.cumulative;
    } else {
      merged.push_back(x);
    }
  }
  buckets.swap(merged);
  for (size_t i = 1; i < buckets.size(); ++i) buckets[i].cumulative = std::max(buckets[i].cumulative, buckets[i - 1].cumulative);
  if (buckets.size() < 2) return kNaN;
  const double total = buckets.back().cumulative;
  if (total == 0) return kNaN;
  double rank = q * total;
  size_t b = 0;
  while (b < buckets.size() - 1 && buckets[b].cumulative < rank) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double start = 0;
  double count = buckets[b].cumulative;
  if (b > 0) {
    start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].cumulative;
    rank -= buckets[b - 1].cumulative;
  }
  return start + (buckets[b].upper_bound - start) * (rank / count);
}

}  // namespace loadgen::probes
