// Writes an .hlog of several intervals of realistic latencies (log-normal, with a rare long
// stall) and, beside it, our own percentile tables of the merged histogram, so that a test can
// diff them against what the reference Java HistogramLogProcessor prints for the same log.
#include <cmath>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

#include "harness/metrics/hlog.hpp"
#include "harness/metrics/percentile_table.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hlog_fixture OUT_PREFIX\n";
    return 2;
  }
  const std::string prefix = argv[1];
  using loadgen::metrics::Histogram;
  std::mt19937_64 rng(20261122);
  std::lognormal_distribution<double> latency(std::log(2e6), 0.6);  // median 2 ms in ns

  std::ofstream log(prefix + ".hlog");
  loadgen::metrics::HlogWriter writer(log);
  const double start = 1700000000.0;
  writer.write_header("[Logged with loadgen hlog_fixture]", start, start);
  auto merged = Histogram::for_latency_ns();
  auto tagged = Histogram::for_latency_ns();
  for (int interval = 0; interval < 6; ++interval) {
    auto h = Histogram::for_latency_ns();
    for (int i = 0; i < 20'000; ++i) h.record(static_cast<int64_t>(latency(rng)));
    if (interval == 3) h.record(int64_t{2'500'000'000});  // one 2.5 s stall
    writer.write_interval(interval, 1.0, h);
    merged.add(h);
    auto other = Histogram::for_latency_ns();
    other.record(static_cast<int64_t>(latency(rng)) * 3, 7);
    writer.write_interval(interval, 1.0, other, "service");
    tagged.add(other);
  }
  std::ofstream(prefix + ".ratio1.txt") << loadgen::metrics::format_percentile_table(merged, 5, 1.0);
  std::ofstream(prefix + ".ms.txt") << loadgen::metrics::format_percentile_table(merged, 5, 1e6);
  std::ofstream(prefix + ".csv") << loadgen::metrics::format_percentile_csv(merged, 5, 1e3);
  std::ofstream(prefix + ".tagged.txt") << loadgen::metrics::format_percentile_table(tagged, 5, 1e3);
  return 0;
}
