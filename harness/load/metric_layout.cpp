#include "harness/load/metric_layout.hpp"

namespace loadgen::load {

MetricLayout metric_layout(const std::vector<scenario::RequestSpec>& requests,
                           const std::vector<scenario::FlowSpec>& flows) {
  MetricLayout layout;
  for (const auto& r : requests) layout.names.push_back(r.name);
  for (const auto& f : flows) {
    FlowSlots slots;
    slots.flow = layout.names.size();
    layout.names.push_back(f.name);
    for (const auto& s : f.steps) {
      slots.steps.push_back(layout.names.size());
      layout.names.push_back(s.request.name);
      if (s.since_start.empty()) {
        slots.since_start.push_back(std::nullopt);
      } else {
        slots.since_start.push_back(layout.names.size());
        layout.names.push_back(s.since_start);
      }
    }
    layout.flows.push_back(std::move(slots));
  }
  return layout;
}

}  // namespace loadgen::load
