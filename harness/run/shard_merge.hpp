#pragma once

#include <memory>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/run/runner.hpp"
#include "harness/run/shard_log.hpp"

// `loadgen merge`: shards' logs added together exactly (HDR histograms per interval and
// name, counters summed) and replayed through the same sampling as a run, so that the SLOs
// are judged on the whole as one run would have judged it.
namespace loadgen::run {

struct ShardSet {
  std::vector<std::string> dirs;  // by shard index
  std::vector<std::unique_ptr<ShardLogReader>> logs;
  const ShardLogHeader& header() const { return logs.front()->header(); }
};

// Opens DIR/shard.jsonl for each directory and checks that they belong together: the same
// scenario (text and --set values), shard count and start time; every index exactly once.
// The failure names the directory or the shard at fault.
core::Expected<ShardSet> open_shards(const std::vector<std::string>& dirs);

// Replays the shards added together into a result for `options.report_dir`, through
// `options.observers` (the .hlog writer, the SLO scopes) as a run's intervals would go.
// Fails when a shard log holds a bad line. Each shard's own figures and generator load come
// from its result.json, when present; a saturated generator is flagged.
core::Expected<Result> merge_shards(const scenario::Scenario& sc, ShardSet& shards, const RunOptions& options);

}  // namespace loadgen::run
