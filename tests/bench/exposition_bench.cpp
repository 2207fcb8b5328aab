// The cost of watching a target's metrics: parsing an exposition (MB/s), and one scrape's CPU
// when a few series are kept out of 10,000 (the usual case: what the SLOs name) or when all are.
//   build/release/bin/exposition_bench
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

#include "probes/exposition.hpp"
#include "probes/metrics_capture.hpp"

namespace {

using namespace loadgen::probes;

// `series` series (each line a series, as Prometheus counts them) the way services expose them:
// per-route histograms (12 buckets, count, sum), per-route and status counters, and labelled
// gauges, a third of the lines each. 10,000 series are about 0.9 MB of text.
std::string exposition_of(int series, ExpositionFormat format) {
  std::string out;
  const bool om = format == ExpositionFormat::kOpenMetrics;
  int made = 0;
  const char* bounds[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "+Inf"};
  out += "# HELP app_request_duration_seconds Request latency.\n# TYPE app_request_duration_seconds histogram\n";
  for (int route = 0; made < series / 3; ++route, made += 14) {
    long cumulative = 0;
    for (int b = 0; b < 12; ++b) {
      cumulative += 100 + b * 7 + route;
      out += fmt::format("app_request_duration_seconds_bucket{{route=\"/api/v1/resource_{}\",method=\"GET\",le=\"{}\"}} {}\n", route,
                         bounds[b], cumulative);
    }
    out += fmt::format("app_request_duration_seconds_sum{{route=\"/api/v1/resource_{}\",method=\"GET\"}} {}.25\n", route, cumulative / 40);
    out += fmt::format("app_request_duration_seconds_count{{route=\"/api/v1/resource_{}\",method=\"GET\"}} {}\n", route, cumulative);
  }
  out += om ? "# TYPE app_requests counter\n" : "# TYPE app_requests_total counter\n";
  for (int i = 0; made < series * 2 / 3; ++i, ++made) {
    out += fmt::format("app_requests_total{{route=\"/api/v1/resource_{}\",status=\"{}\"}} {}\n", i / 3, 200 + i % 3 * 100, 1000 + i);
  }
  out += "# TYPE app_cache_entries gauge\n";
  for (int i = 0; made < series; ++i, ++made) {
    out += fmt::format("app_cache_entries{{shard=\"{}\",tier=\"t{}\"}} {}\n", i, i % 4, i * 3);
  }
  if (om) out += "# EOF\n";
  return out;
}

class NullVisitor final : public ExpositionVisitor {
 public:
  void on_sample(const ExpositionSample& s) override { benchmark::DoNotOptimize(s.value); }
};

void BM_ParseExposition(benchmark::State& state) {
  const auto format = state.range(0) == 0 ? ExpositionFormat::kPrometheusText : ExpositionFormat::kOpenMetrics;
  const auto text = exposition_of(10'000, format);
  NullVisitor visitor;
  for (auto _ : state) {
    auto error = parse_exposition(text, format, visitor);
    if (error) state.SkipWithError(error->str().c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
  state.counters["exposition_kB"] = static_cast<double>(text.size()) / 1e3;
}
BENCHMARK(BM_ParseExposition)->Arg(0)->Arg(1)->ArgName("openmetrics")->Unit(benchmark::kMillisecond);

// One scrape into a capture: parse, select, keep. `kept`: 3 series selected by name and labels
// (as SLOs name them), or every series (max_series 10,000).
void BM_CaptureScrape(benchmark::State& state) {
  const bool all = state.range(0) == 1;
  const auto text = exposition_of(10'000, ExpositionFormat::kOpenMetrics);
  CaptureOptions options;
  if (all) {
    options.max_series = 10'000;
  } else {
    options.select = {*parse_selector(R"(app_request_duration_seconds{route="/api/v1/resource_7"})"),
                      *parse_selector(R"(app_requests_total{route="/api/v1/resource_7",status="400"})"), *parse_selector("app_cache_entries{shard=\"12\"}")};
  }
  options.max_cells = size_t{1} << 30;
  MetricsCapture capture(options);
  double t = 0;
  for (auto _ : state) {
    auto error = capture.add_scrape(t, text, ExpositionFormat::kOpenMetrics);
    if (error) state.SkipWithError(error->str().c_str());
    t += 1;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
  state.counters["series_kept"] = static_cast<double>(capture.series().size());
  state.counters["kept_bytes_per_scrape"] = static_cast<double>(capture.bytes()) / static_cast<double>(capture.times().size());
}
BENCHMARK(BM_CaptureScrape)->Arg(0)->Arg(1)->ArgName("all")->Unit(benchmark::kMillisecond);

}  // namespace
