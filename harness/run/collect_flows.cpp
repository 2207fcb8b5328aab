#include "harness/run/collect_flows.hpp"

#include <fmt/format.h>

#include "harness/load/flow_step.hpp"

namespace loadgen::run {

void collect_flows(const scenario::Scenario& sc, const load::Engine& engine, Result& result) {
  const auto& layout = engine.layout();
  const auto failures = engine.first_flow_failures();
  for (size_t f = 0; f < sc.flows.size() && f < layout.flows.size(); ++f) {
    const auto& slots = layout.flows[f];
    if (slots.flow >= result.by_name.size()) break;
    const auto& whole = result.by_name[slots.flow].requests;
    FlowResult out;
    out.name = sc.flows[f].name;
    out.started = whole.scheduled - whole.dropped;
    out.completed = whole.completed;
    out.failed = whole.errors;
    out.dropped = whole.dropped;
    out.failed_by_kind = whole.errors_by_kind;
    // Every step failure ends its flow, so a step's errors are the flows that failed there.
    for (size_t s = 0; s < slots.steps.size(); ++s) {
      const auto& step = result.by_name[slots.steps[s]];
      if (step.requests.errors > 0) out.failed_by_step[step.name] = step.requests.errors;
    }
    if (auto it = whole.errors_by_kind.find("feed_exhausted"); it != whole.errors_by_kind.end()) {
      for (const auto& feed : sc.flows[f].feeds) out.failed_by_step["feed " + feed] += it->second;
    }
    if (auto it = failures.find(f); it != failures.end()) out.first_failure = it->second;
    result.flows.push_back(std::move(out));
  }
  for (const auto& feed : engine.feed_status()) {
    result.feeds.push_back({feed.name, feed.rows_read, feed.bad_rows, feed.ran_out});
    if (feed.bad_rows > 0) {
      result.warnings.push_back(fmt::format("feed '{}': {} rows could not be read (wrong number of fields, not a "
                                            "JSON object, or a column missing) and were skipped",
                                            feed.name, feed.bad_rows));
    }
    if (!feed.ran_out) continue;
    for (const auto& spec : sc.feeds) {
      if (spec.name != feed.name) continue;
      switch (spec.at_end) {
        case scenario::FeedSpec::AtEnd::kFail:
          result.warnings.push_back(fmt::format("feed '{}' ran out after {} rows (at_end: fail): later flows failed",
                                                feed.name, feed.rows_read));
          break;
        case scenario::FeedSpec::AtEnd::kStop:
          result.warnings.push_back(fmt::format(
              "feed '{}' ran out after {} rows (at_end: stop): its flows started no more", feed.name, feed.rows_read));
          break;
        case scenario::FeedSpec::AtEnd::kWrap:  // only a feed with no readable row runs out
          result.warnings.push_back(fmt::format(
              "feed '{}' has no readable row to start again from (at_end: wrap): its flows started none", feed.name));
          break;
      }
    }
  }
}

std::chrono::nanoseconds flow_drain_limit(const scenario::Scenario& sc) {
  std::chrono::nanoseconds longest{0};
  for (const auto& f : sc.flows) longest = std::max(longest, load::longest_flow(f));
  return longest;
}

}  // namespace loadgen::run
