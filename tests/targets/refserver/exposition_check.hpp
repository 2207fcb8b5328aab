#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// A /metrics body read back with the project's own parser (probes/exposition.hpp) and checked
// for what Prometheus relies on beyond the grammar: each family declared once, every sample in
// a declared family under a name its type allows (a counter's is _total), no series twice, and
// each histogram series with ascending le buckets ending at +Inf, cumulative, and a _count equal
// to the +Inf bucket, and a _sum.
namespace loadgen::refserver::testing {

using SampleLabels = std::vector<std::pair<std::string, std::string>>;

class CheckedExposition {
 public:
  explicit CheckedExposition(std::string_view open_metrics_text);

  // What is wrong with the exposition, one line each; empty when it is valid.
  const std::vector<std::string>& problems() const { return problems_; }

  // The sample with exactly these labels, in any order.
  std::optional<double> value(std::string_view name, SampleLabels labels = {}) const;
  // How many samples are named `name`, whatever their labels.
  int count_series(std::string_view name) const;

 private:
  std::vector<std::string> problems_;
  std::map<std::string, double> samples_;  // by series key: name{sorted labels}
};

}  // namespace loadgen::refserver::testing
