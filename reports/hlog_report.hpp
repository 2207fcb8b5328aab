#pragma once

#include <fstream>
#include <memory>
#include <string>

#include "harness/metrics/hlog.hpp"
#include "harness/run/runner.hpp"

namespace loadgen::reports {

// Streams every interval into an HdrHistogram log as it is measured, so a soak's memory
// stays flat and the log survives an interrupted run. Untagged lines hold the corrected
// latency of all requests (a flow's journeys only under the flow's own tag); tagged lines:
// "service", "send_lag", and one per request or flow name.
class HlogReport final : public run::IntervalObserver {
 public:
  explicit HlogReport(std::string path);
  void on_start(const run::Result& run) override;
  void on_interval(const run::IntervalView& interval) override;
  void on_finish(const run::Result& run) override;

  // Request names as hlog tags: no ',', ' ', '\r' or '\n'.
  static std::string tag_of(const std::string& name);
  // Why the log is incomplete (a write failed during the run, e.g. the disk filled); empty
  // when every interval was written.
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  std::ofstream out_;
  std::unique_ptr<metrics::HlogWriter> writer_;
  std::string error_;
};

}  // namespace loadgen::reports
