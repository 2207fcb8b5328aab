#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// What the flows of a run did, beside their latencies (which are in Result::by_name under the
// flow's, the steps' and the since_start names). Plain values, for reports.
namespace loadgen::run {

struct FlowResult {
  std::string name;
  uint64_t started = 0;    // instances begun (a failure to get a feed row counts as begun)
  uint64_t completed = 0;  // every step succeeded
  uint64_t failed = 0;
  uint64_t dropped = 0;    // due while max_in_flight were outstanding (arrival-rate)
  std::map<std::string, uint64_t> failed_by_step;  // step name, or "feed <name>", -> count
  std::map<std::string, uint64_t> failed_by_kind;  // extract_missing, until_timeout, ...
  std::string first_failure;                      // "flow f step s: extract id: ..."
};

struct FeedResult {
  std::string name;
  uint64_t rows_read = 0;
  uint64_t bad_rows = 0;   // skipped: wrong field count, not a JSON object, missing key
  bool ran_out = false;
};

}  // namespace loadgen::run
