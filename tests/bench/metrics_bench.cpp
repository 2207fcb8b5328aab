// Costs of the metrics core on its hot and cold paths. Goal (issue 2): a record in a few ns,
// a 1 us..1 h histogram at 3 digits under 300 KB.
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/metrics/hdr_encoding.hpp"
#include "harness/metrics/histogram.hpp"
#include "harness/metrics/interval_recorder.hpp"

namespace {

using loadgen::metrics::Histogram;

std::vector<int64_t> latencies(size_t n) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> d(std::log(2e6), 0.8);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = static_cast<int64_t>(d(rng));
  return v;
}

Histogram filled() {
  auto h = Histogram::for_latency_ns();
  for (auto v : latencies(1'000'000)) h.record(v);
  return h;
}

void BM_Record(benchmark::State& state) {
  auto h = Histogram::for_latency_ns();
  const auto values = latencies(1 << 16);
  size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 0xFFFF]);
  }
  benchmark::DoNotOptimize(h.total_count());
  state.SetItemsProcessed(state.iterations());
  state.counters["footprint_bytes"] = static_cast<double>(h.footprint_bytes());
}
BENCHMARK(BM_Record);

void BM_IntervalRecorderRecord(benchmark::State& state) {
  loadgen::metrics::IntervalRecorder recorder(Histogram::for_latency_ns());
  const auto values = latencies(1 << 16);
  size_t i = 0;
  for (auto _ : state) {
    recorder.record(values[i++ & 0xFFFF]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IntervalRecorderRecord);

void BM_ValueAtPercentile(benchmark::State& state) {
  const auto h = filled();
  for (auto _ : state) benchmark::DoNotOptimize(h.value_at_percentile(99.9));
}
BENCHMARK(BM_ValueAtPercentile);

void BM_SixPercentilesOnePass(benchmark::State& state) {
  const auto h = filled();
  const double ps[] = {50, 90, 99, 99.9, 99.99, 100};
  for (auto _ : state) benchmark::DoNotOptimize(h.values_at_percentiles(ps));
}
BENCHMARK(BM_SixPercentilesOnePass);

void BM_Mean(benchmark::State& state) {
  const auto h = filled();
  for (auto _ : state) benchmark::DoNotOptimize(h.mean());
}
BENCHMARK(BM_Mean);

void BM_Merge(benchmark::State& state) {
  const auto h = filled();
  auto into = Histogram::for_latency_ns();
  for (auto _ : state) benchmark::DoNotOptimize(into.add(h));
}
BENCHMARK(BM_Merge);

void BM_EncodeCompressed(benchmark::State& state) {
  const auto h = filled();
  size_t bytes = 0;
  for (auto _ : state) {
    auto out = loadgen::metrics::encode_compressed(h);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["encoded_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeCompressed);

void BM_DecodeCompressed(benchmark::State& state) {
  const auto encoded = loadgen::metrics::encode_compressed(filled());
  for (auto _ : state) {
    auto h = loadgen::metrics::decode_histogram(encoded);
    benchmark::DoNotOptimize(h.ok());
  }
}
BENCHMARK(BM_DecodeCompressed);

}  // namespace
