#include "targets/refserver/open_metrics.hpp"

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

std::string OpenMetricsText::finish() {
  text_ += "# EOF\n";
  return std::move(text_);
}

}  // namespace loadgen::refserver
