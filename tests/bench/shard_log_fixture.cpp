// Writes the report directories of a synthetic sharded run, for timing `loadgen merge` on
// runs longer than a test can afford: N shards x S seconds of per-second intervals, each
// name with a lognormal spread of latencies.
//   shard_log_fixture DIR SHARDS SECONDS [NAMES] [VALUES_PER_SECOND_PER_NAME]
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "harness/run/shard.hpp"
#include "harness/run/shard_log.hpp"

int main(int argc, char** argv) {
  using namespace loadgen;
  if (argc < 4) {
    std::cerr << "usage: shard_log_fixture DIR SHARDS SECONDS [NAMES] [VALUES]\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int shards = std::atoi(argv[2]);
  const int seconds = std::atoi(argv[3]);
  const int names = argc > 4 ? std::atoi(argv[4]) : 5;
  const int values = argc > 5 ? std::atoi(argv[5]) : 100;
  const int rate = names * values * shards;
  const std::string scenario = fmt::format(
      "name: merge-bench\ntarget: {{ base_url: \"http://127.0.0.1:9\" }}\nload: {{ rate: {}, duration: {}s }}\n"
      "requests:\n{}slo:\n  - http.p99 < 1s\n  - http.count >= 1\n",
      rate, seconds, [&] {
        std::string r;
        for (int n = 0; n < names; ++n) r += fmt::format("  - {{ name: r{}, get: /ok }}\n", n);
        return r;
      }());
  for (int s = 0; s < shards; ++s) {
    const std::string out = fmt::format("{}/shard-{}", dir, s);
    std::filesystem::create_directories(out);
    run::ShardLogHeader h;
    h.shard = s;
    h.shards = shards;
    h.scenario_file = "merge-bench.yaml";
    h.scenario_text = scenario;
    h.scenario_digest = run::digest_hex(scenario);
    h.start_at_epoch_s = 1796464800;
    for (int n = 0; n < names; ++n) h.names.push_back(fmt::format("r{}", n));
    h.http.assign(static_cast<size_t>(names), true);
    run::ShardLogWriter writer(out + "/shard.jsonl", h);
    run::Result result;
    result.start_epoch_s = h.start_at_epoch_s;
    result.target.base_url = "http://127.0.0.1:9";
    writer.on_start(result);
    std::mt19937_64 rng(static_cast<uint64_t>(s) + 1);
    std::lognormal_distribution<double> latency(std::log(2e6), 0.8);
    load::IntervalSnapshot snap;
    snap.by_name.resize(static_cast<size_t>(names));
    std::vector<std::string> name_list = h.names;
    for (int t = 0; t < seconds; ++t) {
      for (auto& n : snap.by_name) {
        n.corrected.reset();
        n.service.reset();
        for (int v = 0; v < values; ++v) {
          const auto x = static_cast<int64_t>(latency(rng));
          n.corrected.record(x);
          n.service.record(x / 2);
        }
        n.totals.scheduled += static_cast<uint64_t>(values);
        n.totals.sent += static_cast<uint64_t>(values);
        n.totals.completed += static_cast<uint64_t>(values);
      }
      run::TimelinePoint point;
      point.t_s = t + 1;
      point.length_s = 1;
      const run::IntervalView view{static_cast<double>(t), point, snap, name_list, false, nullptr, nullptr};
      writer.on_interval(view);
    }
    writer.on_finish(result);
    if (!writer.error().empty()) {
      std::cerr << writer.error() << '\n';
      return 1;
    }
  }
  return 0;
}
