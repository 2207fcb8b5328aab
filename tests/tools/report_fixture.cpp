// Writes a synthetic run as a report directory: report_fixture DIR SECONDS [VALUES_PER_SECOND].
// result.json as loadgen run writes it, and a latency.hlog with one interval per tag holding
// the whole run (a valid interval log; the spectrum only needs the totals).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "harness/metrics/hlog.hpp"
#include "reports/hlog_report.hpp"
#include "reports/json_report.hpp"
#include "tests/tools/synthetic_run.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: report_fixture DIR SECONDS [VALUES_PER_SECOND]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const auto seconds = static_cast<size_t>(std::stoul(argv[2]));
  const auto values = argc > 3 ? static_cast<size_t>(std::stoul(argv[3])) : size_t{20};
  std::filesystem::create_directories(dir);
  const auto run = loadgen::testing::synthetic_run(seconds, values);
  loadgen::reports::write_result_json(run, dir + "/result.json");
  std::ofstream out(dir + "/latency.hlog");
  loadgen::metrics::HlogWriter writer(out);
  writer.write_header("[synthetic run for report tests, values in ns]", run.start_epoch_s,
                      run.start_epoch_s);
  const double length = run.duration_s;
  writer.write_interval(0, length, run.corrected);
  writer.write_interval(0, length, run.service, "service");
  writer.write_interval(0, length, run.send_lag_histogram, "send_lag");
  for (const auto& n : run.by_name) {
    writer.write_interval(0, length, n.corrected, loadgen::reports::HlogReport::tag_of(n.name));
  }
  return out ? 0 : 1;
}
