#include "targets/refserver/open_metrics.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace loadgen::refserver {
namespace {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// OpenMetrics' canonical form of an le value: a float, so 1 is "1.0". Consistent spelling
// matters: Prometheus keys a bucket series by its le text.
std::string format_bound(double bound) {
  auto text = fmt::format("{}", bound);
  if (text.find_first_of(".e") == std::string::npos)
    text += ".0";
  return text;
}

}  // namespace

void OpenMetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(text_), "# TYPE {} {}\n# HELP {} {}\n", name, type, name, help);
}

void OpenMetricsText::write_name_and_labels(std::string_view name, const Labels& labels) {
  text_ += name;
  if (labels.empty())
    return;
  text_ += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0)
      text_ += ',';
    fmt::format_to(std::back_inserter(text_), "{}=\"{}\"", labels[i].first,
                   escape_label_value(labels[i].second));
  }
  text_ += '}';
}

void OpenMetricsText::sample(std::string_view name, const Labels& labels, double value) {
  write_name_and_labels(name, labels);
  fmt::format_to(std::back_inserter(text_), " {}\n", value);
}

void OpenMetricsText::sample(std::string_view name, const Labels& labels, std::uint64_t value) {
  write_name_and_labels(name, labels);
  fmt::format_to(std::back_inserter(text_), " {}\n", value);
}

void OpenMetricsText::histogram(std::string_view name, const Labels& labels,
                                std::span<const double> upper_bounds,
                                std::span<const std::uint64_t> cumulative, double sum) {
  if (cumulative.size() != upper_bounds.size() + 1) {
    throw std::invalid_argument(fmt::format("histogram {}: {} counts for {} bounds and +Inf", name,
                                            cumulative.size(), upper_bounds.size()));
  }
  const auto base = std::string(name);
  auto bucket_labels = labels;
  bucket_labels.emplace_back("le", "");
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    bucket_labels.back().second = i < upper_bounds.size() ? format_bound(upper_bounds[i]) : "+Inf";
    sample(base + "_bucket", bucket_labels, cumulative[i]);
  }
  sample(base + "_count", labels, cumulative.back());
  sample(base + "_sum", labels, sum);
}

std::string OpenMetricsText::finish() {
  text_ += "# EOF\n";
  return std::move(text_);
}

}  // namespace loadgen::refserver
