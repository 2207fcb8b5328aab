// Costs of the metrics core on its hot and cold paths. Goal (issue 2): a record in a few ns,
// a 1 us..1 h histogram at 3 digits under 300 KB.
#include <memory>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "harness/metrics/hdr_encoding.hpp"
#include "harness/metrics/histogram.hpp"
#include "harness/metrics/interval_recorder.hpp"
#include "harness/metrics/mapped_counts.hpp"

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

// The options for the counts array, side by side with the same record logic around them
// (issue 20): a flat array of the whole layout (before), a table of 2 KiB pages allocated on
// first count (tried first: +30% on record, for the page pointer's load and null check),
// and MappedCounts (chosen: the kernel commits 4 KiB pages on first write; flat's record).
struct FlatCounts {
  explicit FlatCounts(size_t n) : counts(n) {}
  void add(size_t i, int64_t c) noexcept { counts[i] += c; }
  size_t footprint_bytes() const { return counts.capacity() * sizeof(int64_t); }
  std::vector<int64_t> counts;
};

struct PagedCounts {
  static constexpr int kShift = 8;
  explicit PagedCounts(size_t n) : pages(((n >> kShift) + 1)) {}
  void add(size_t i, int64_t c) noexcept {
    auto& page = pages[i >> kShift];
    if (!page) [[unlikely]] page = std::make_unique<int64_t[]>(size_t{1} << kShift);
    page[i & ((size_t{1} << kShift) - 1)] += c;
  }
  size_t footprint_bytes() const {
    size_t n = 0;
    for (const auto& p : pages) n += p ? (sizeof(int64_t) << kShift) : 0;
    return n + pages.size() * sizeof(void*);
  }
  std::vector<std::unique_ptr<int64_t[]>> pages;
};

template <typename Counts>
struct RecordOption {
  const Histogram layout = Histogram::for_latency_ns();
  Counts counts{static_cast<size_t>(layout.counts_length())};
  int64_t total = 0, max = 0, min = INT64_MAX;
  void record(int64_t v) noexcept {
    if (static_cast<uint64_t>(v) > static_cast<uint64_t>(layout.highest_trackable())) [[unlikely]] return;
    ++total;
    max = std::max(max, v);
    min = std::min(min, v == 0 ? INT64_MAX : v);
    counts.add(static_cast<size_t>(layout.counts_index(v)), 1);
  }
};

template <typename Counts>
void BM_RecordOption(benchmark::State& state) {
  RecordOption<Counts> h;
  const auto values = latencies(1 << 16);
  size_t i = 0;
  for (auto _ : state) h.record(values[i++ & 0xFFFF]);
  benchmark::DoNotOptimize(h.total);
  state.SetItemsProcessed(state.iterations());
  state.counters["footprint_bytes"] = static_cast<double>(h.counts.footprint_bytes());
}
BENCHMARK_TEMPLATE(BM_RecordOption, FlatCounts);
BENCHMARK_TEMPLATE(BM_RecordOption, PagedCounts);
BENCHMARK_TEMPLATE(BM_RecordOption, loadgen::metrics::MappedCounts);

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

// A merge of a histogram holding `range(0)` values (an interval of one name on one thread):
// what the once-a-second collection pays per (name, thread).
void BM_MergeInterval(benchmark::State& state) {
  auto h = Histogram::for_latency_ns();
  for (auto v : latencies(static_cast<size_t>(state.range(0)))) h.record(v);
  auto into = Histogram::for_latency_ns();
  for (auto _ : state) benchmark::DoNotOptimize(into.add(h));
}
BENCHMARK(BM_MergeInterval)->Arg(10)->Arg(1000)->Arg(100000);

// The collector's cost per (name, thread) and second: the interval moved out of a recorder
// holding `range(0)` values into the name's histogram for the second, the recorder's
// retired histogram emptied for its next turn.
void BM_SwapInterval(benchmark::State& state) {
  loadgen::metrics::IntervalRecorder recorder(Histogram::for_latency_ns());
  auto into = Histogram::for_latency_ns();
  const auto values = latencies(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    into.reset();  // once a second per name, shared by every thread
    for (auto v : values) recorder.record(v);
    state.ResumeTiming();
    recorder.add_interval_to(into);
  }
  benchmark::DoNotOptimize(into.total_count());
  state.counters["into_footprint_bytes"] = static_cast<double>(into.footprint_bytes());
}
BENCHMARK(BM_SwapInterval)->Arg(10)->Arg(1000)->Arg(100000);

// What a per-thread recorder holds after an interval of `range(0)` values: both of its
// histograms (the active one and the one waiting for the next swap).
void BM_RecorderFootprint(benchmark::State& state) {
  const auto values = latencies(static_cast<size_t>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    loadgen::metrics::IntervalRecorder recorder(Histogram::for_latency_ns());
    for (auto v : values) recorder.record(v);
    bytes = recorder.footprint_bytes();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["recorder_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RecorderFootprint)->Arg(10)->Arg(1000)->Arg(100000);

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
