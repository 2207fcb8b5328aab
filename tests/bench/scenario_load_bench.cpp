// Loading a scenario stays linear in its size: the complexity fit over 1k to 64k requests
// (`--benchmark_filter=LoadScenario`) must say O(N). A duplicate-name check that compared each
// request with every earlier one made a 5 MB file take 6 s and a 16 MB one 35 s.
#include <string>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "harness/scenario/loader.hpp"

namespace {

std::string scenario_with(int64_t requests) {
  std::string yaml = "name: big\ntarget: { base_url: \"http://127.0.0.1:8080\" }\nload: { rate: 10, duration: 1s }\nrequests:\n";
  for (int64_t i = 0; i < requests; ++i) {
    yaml += fmt::format("  - {{ name: r{0}, get: \"/items/{0}?q=x\", headers: {{ X-Trace: \"t{0}\" }}, check: {{ status: 200 }} }}\n", i);
  }
  return yaml;
}

void BM_LoadScenario(benchmark::State& state) {
  const auto yaml = scenario_with(state.range(0));
  for (auto _ : state) {
    auto loaded = loadgen::scenario::load_string(yaml, "big.yaml", {});
    benchmark::DoNotOptimize(loaded);
  }
  state.SetComplexityN(state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(yaml.size()));
}
BENCHMARK(BM_LoadScenario)->RangeMultiplier(4)->Range(1 << 10, 1 << 16)->Unit(benchmark::kMillisecond)->Complexity();

}  // namespace
