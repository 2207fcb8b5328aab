#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/run/runner.hpp"

// A shard's intervals, written as it measures them so that `loadgen merge` can add the shards
// together exactly: per second and per request name, the corrected and service-time HDR
// histograms (compressed, base64) and the cumulative counters. JSON Lines, in the report
// directory as shard.jsonl: a header line, then one line per interval.
namespace loadgen::run {

struct ShardLogHeader {
  int shard = 0;
  int shards = 1;
  std::string scenario_digest;
  std::string scenario_text;  // the scenario file as given, for the merge to judge by
  std::string scenario_file;
  std::vector<std::pair<std::string, std::string>> sets;  // --set values, in order
  double start_at_epoch_s = 0;                            // 0: no --start-at
  double started_epoch_s = 0;                             // when this shard's time zero was
  std::string base_url;
  std::vector<std::string> names;
  std::vector<bool> http;  // per name: an HTTP exchange (false: a whole flow)
};

class ShardLogWriter : public IntervalObserver {
 public:
  ShardLogWriter(std::string path, ShardLogHeader header);
  ~ShardLogWriter() override;
  void on_start(const Result& run) override;
  void on_interval(const IntervalView& interval) override;
  void on_finish(const Result& run) override;
  // Empty, or why the log could not be written (the run goes on; the merge will refuse it).
  const std::string& error() const { return error_; }
  const ShardLogHeader& header() const { return header_; }

 private:
  void write_line(const std::string& line);
  std::string path_;
  ShardLogHeader header_;
  std::FILE* file_ = nullptr;
  std::string error_;
};

// One interval of one shard, decoded.
struct ShardInterval {
  double start_s = 0;
  double end_s = 0;
  load::IntervalSnapshot snapshot;  // by_name histograms of the interval, totals cumulative
};

// Reads a shard log line by line: memory holds one interval, whatever the run's length.
class ShardLogReader {
 public:
  static core::Expected<std::unique_ptr<ShardLogReader>> open(const std::string& path);
  ~ShardLogReader();
  const ShardLogHeader& header() const { return header_; }
  size_t intervals() const { return intervals_; }  // lines after the header
  // The next interval into `out`; false at the end, with error() set when a line was bad.
  bool next(ShardInterval& out);
  const std::string& error() const { return error_; }

 private:
  ShardLogReader() = default;
  std::string path_;
  std::FILE* file_ = nullptr;
  char* line_ = nullptr;
  size_t capacity_ = 0;
  size_t line_number_ = 1;
  size_t intervals_ = 0;
  ShardLogHeader header_;
  std::string error_;
};

}  // namespace loadgen::run
