#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"

// Which metric slot (per-name histograms and counters) holds what: the requests first, in
// order, then for each flow its whole journey, its steps and their since_start metrics. The
// engine records into these slots; the runner reports them as by_name, in this order.
namespace loadgen::load {

struct FlowSlots {
  size_t flow = 0;                             // the whole flow: flow_name.*
  std::vector<size_t> steps;                   // one per step
  std::vector<std::optional<size_t>> since_start;  // per step, when it has since_start:
};

struct MetricLayout {
  std::vector<std::string> names;
  std::vector<FlowSlots> flows;
};

MetricLayout metric_layout(const std::vector<scenario::RequestSpec>& requests,
                           const std::vector<scenario::FlowSpec>& flows);

}  // namespace loadgen::load
