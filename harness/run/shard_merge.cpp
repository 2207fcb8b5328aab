#include "harness/run/shard_merge.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace loadgen::run {
namespace {

using nlohmann::json;

// The shards' intervals, interval k of every shard added into one snapshot.
class ShardSum : public load::IntervalSource {
 public:
  explicit ShardSum(ShardSet& shards) : shards_(shards), last_totals_(shards.logs.size()) {}

  void collect_interval(load::IntervalSnapshot& into) override {
    const size_t names = shards_.header().names.size();
    into.by_name.resize(names);
    for (size_t i = 0; i < names; ++i) {
      into.by_name[i].corrected.reset();
      into.by_name[i].service.reset();
      into.by_name[i].totals = {};
      into.by_name[i].http = shards_.header().http.at(i);
    }
    into.send_lag.reset();
    into.in_flight = 0;
    into.active_users = 0;
    double end_s = 0;
    for (size_t s = 0; s < shards_.logs.size(); ++s) {
      auto& log = *shards_.logs[s];
      if (log.next(one_)) {
        end_s = std::max(end_s, one_.end_s);
        for (size_t i = 0; i < names; ++i) {
          into.by_name[i].corrected.add(one_.snapshot.by_name[i].corrected);
          into.by_name[i].service.add(one_.snapshot.by_name[i].service);
        }
        into.send_lag.add(one_.snapshot.send_lag);
        into.in_flight += one_.snapshot.in_flight;
        into.active_users += one_.snapshot.active_users;
        last_totals_[s].resize(names);
        for (size_t i = 0; i < names; ++i) last_totals_[s][i] = one_.snapshot.by_name[i].totals;
      } else if (!log.error().empty() && error_.empty()) {
        error_ = log.error();
      }
      // Counters are cumulative: a shard that has ended still counts what it did.
      for (size_t i = 0; i < last_totals_[s].size(); ++i) into.by_name[i].totals.add(last_totals_[s][i]);
    }
    end_s_ = std::max(end_s_, end_s);
    into.elapsed = std::chrono::nanoseconds(static_cast<int64_t>(end_s_ * 1e9));
  }
  const std::string& error() const { return error_; }

 private:
  ShardSet& shards_;
  ShardInterval one_;
  std::vector<std::vector<load::CounterValues>> last_totals_;
  double end_s_ = 0;
  std::string error_;
};

RequestFigures figures_of_json(const json& j) {
  RequestFigures f;
  f.scheduled = j.value("scheduled", uint64_t{0});
  f.sent = j.value("sent", uint64_t{0});
  f.completed = j.value("completed", uint64_t{0});
  f.errors = j.value("errors", uint64_t{0});
  f.dropped = j.value("dropped", uint64_t{0});
  f.bytes_received = j.value("bytes_received", uint64_t{0});
  f.resent = j.value("resent", uint64_t{0});
  f.redirects = j.value("redirects", uint64_t{0});
  f.not_sent = j.value("not_sent", uint64_t{0});
  return f;
}

// The entry of `all` named `name`, added when there is none yet.
template <typename T>
T& named(std::vector<T>& all, const std::string& name) {
  auto it = std::find_if(all.begin(), all.end(), [&](const T& x) { return x.name == name; });
  if (it != all.end()) return *it;
  all.push_back({});
  all.back().name = name;
  return all.back();
}

// Flows' outcomes, feeds' rows and first errors are not in the shard log (they are not per
// second): they are summed from the shards' result.json, first messages from the lowest shard.
void add_flows_feeds_errors(const json& j, Result& merged) {
  if (j.contains("flows") && j["flows"].is_array()) {
    for (const auto& f : j["flows"]) {
      auto* it = &named(merged.flows, f.at("name").get<std::string>());
      it->started += f.value("started", uint64_t{0});
      it->completed += f.value("completed", uint64_t{0});
      it->failed += f.value("failed", uint64_t{0});
      it->dropped += f.value("dropped", uint64_t{0});
      const json by_step = f.value("failed_by_step", json::object());
      const json by_kind = f.value("failed_by_kind", json::object());
      for (const auto& [k, v] : by_step.items()) it->failed_by_step[k] += v.get<uint64_t>();
      for (const auto& [k, v] : by_kind.items()) it->failed_by_kind[k] += v.get<uint64_t>();
      if (it->first_failure.empty()) it->first_failure = f.value("first_failure", std::string());
    }
  }
  if (j.contains("feeds") && j["feeds"].is_array()) {
    for (const auto& f : j["feeds"]) {
      auto* it = &named(merged.feeds, f.at("name").get<std::string>());
      it->rows_read += f.value("rows_read", uint64_t{0});
      it->bad_rows += f.value("bad_rows", uint64_t{0});
      it->ran_out = it->ran_out || f.value("ran_out", false);
    }
  }
  if (j.contains("connections") && j["connections"].is_object() && j["connections"].contains("protocols")) {
    for (const auto& [protocol, n] : j["connections"]["protocols"].items()) {
      merged.connections_by_protocol[protocol] += n.get<uint64_t>();
    }
  }
  if (j.contains("h2_error_codes") && j["h2_error_codes"].is_object()) {
    for (const auto& [kind, codes] : j["h2_error_codes"].items()) {
      for (const auto& [code, n] : codes.items()) merged.h2_error_codes[kind][code] += n.get<uint64_t>();
    }
  }
  if (j.contains("first_errors") && j["first_errors"].is_object()) {
    for (const auto& [kind, message] : j["first_errors"].items()) merged.first_errors.emplace(kind, message.get<std::string>());
  }
}

// A shard's own account of itself, from its result.json (absent: only what the log says).
MergedShard shard_summary(int index, const std::string& dir, Result& merged) {
  MergedShard m;
  m.index = index;
  m.dir = dir;
  std::ifstream in(dir + "/result.json");
  if (!in) {
    merged.warnings.push_back(fmt::format("shard {}: {}/result.json is missing: its own figures are not shown", index, dir));
    return m;
  }
  try {
    const auto j = json::parse(in);
    m.threads = j.value("threads", 0);
    if (j.contains("measured_requests")) m.measured = figures_of_json(j["measured_requests"]);
    if (j.contains("throughput")) m.achieved_rps = j["throughput"].value("achieved_rps", 0.0);
    if (j.contains("shard") && j["shard"].is_object()) m.start_late_s = j["shard"].value("start_late_s", 0.0);
    if (j.contains("resources") && j["resources"].is_object() && j["resources"].contains("loadgen") &&
        j["resources"]["loadgen"].is_object()) {
      const auto& l = j["resources"]["loadgen"];
      m.saturated = l.value("saturated", false);
      if (l.contains("cpu") && l["cpu"].is_object()) m.loadgen_cpu_avg = l["cpu"].value("avg", 0.0);
      if (l.contains("rss_bytes") && l["rss_bytes"].is_object()) m.loadgen_rss_max = l["rss_bytes"].value("max", int64_t{0});
    }
    if (j.contains("resources") && j["resources"].is_object() && j["resources"].contains("target") &&
        j["resources"]["target"].is_object()) {
      const auto& t = j["resources"]["target"];
      if (t.contains("cpu") && t["cpu"].is_object() && t["cpu"]["avg"].is_number()) m.target_cpu_avg = t["cpu"]["avg"].get<double>();
      if (t.contains("rss_bytes") && t["rss_bytes"].is_object() && t["rss_bytes"]["max"].is_number()) {
        m.target_rss_max = t["rss_bytes"]["max"].get<int64_t>();
      }
    }
    if (j.contains("warnings") && j["warnings"].is_array()) m.warnings = j["warnings"].get<std::vector<std::string>>();
    add_flows_feeds_errors(j, merged);
  } catch (const json::exception& e) {
    merged.warnings.push_back(fmt::format("shard {}: {}/result.json cannot be read: {}", index, dir, e.what()));
  }
  return m;
}

std::string iso8601(double epoch_s) {
  const auto secs = static_cast<time_t>(std::floor(epoch_s));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const auto ms = static_cast<int>(std::lround((epoch_s - static_cast<double>(secs)) * 1000)) % 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

}  // namespace

core::Expected<ShardSet> open_shards(const std::vector<std::string>& dirs) {
  using R = core::Expected<ShardSet>;
  if (dirs.empty()) return R::failure("no shard directories given");
  std::vector<std::unique_ptr<ShardLogReader>> logs;
  for (const auto& dir : dirs) {
    auto log = ShardLogReader::open(dir + "/shard.jsonl");
    if (!log) return R::failure(log.error() + " (a shard's report directory, from loadgen run --shard I/N)");
    logs.push_back(std::move(log).value());
  }
  const auto& first = logs.front()->header();
  std::map<int, size_t> by_index;
  for (size_t k = 0; k < logs.size(); ++k) {
    const auto& h = logs[k]->header();
    const auto differs = [&](std::string_view what, const std::string& a, const std::string& b) {
      return R::failure(fmt::format("{} and {} are not shards of one run: their {} differ ({} and {})", dirs.front(),
                                    dirs[k], what, a, b));
    };
    if (h.scenario_digest != first.scenario_digest) {
      return differs("scenarios (text and --set values)", first.scenario_file + " " + first.scenario_digest,
                     h.scenario_file + " " + h.scenario_digest);
    }
    if (h.shards != first.shards) {
      return differs("shard counts", std::to_string(first.shards), std::to_string(h.shards));
    }
    if (h.start_at_epoch_s != first.start_at_epoch_s) {
      return differs("--start-at times", iso8601(first.start_at_epoch_s), iso8601(h.start_at_epoch_s));
    }
    if (h.names != first.names) return differs("request names", "", "");
    if (const auto [it, fresh] = by_index.emplace(h.shard, k); !fresh) {
      return R::failure(fmt::format("shard {} of {} is given twice: {} and {}", h.shard, h.shards, dirs[it->second],
                                    dirs[k]));
    }
  }
  std::vector<std::string> missing;
  for (int i = 0; i < first.shards; ++i) {
    if (!by_index.contains(i)) missing.push_back(std::to_string(i));
  }
  if (!missing.empty()) {
    return R::failure(fmt::format("shard{} {} of {} {} missing: the merge needs every shard's directory",
                                  missing.size() == 1 ? "" : "s", fmt::join(missing, ", "), first.shards,
                                  missing.size() == 1 ? "is" : "are"));
  }
  ShardSet set;
  for (const auto& [index, k] : by_index) {
    set.dirs.push_back(dirs[k]);
    set.logs.push_back(std::move(logs[k]));
  }
  return set;
}

core::Expected<Result> merge_shards(const scenario::Scenario& sc, ShardSet& shards, const RunOptions& options) {
  const auto& h = shards.header();
  Result result;
  result.scenario = sc.name;
  result.scenario_file = sc.file;
  result.scenario_yaml = sc.resolved_yaml;
  result.report_dir = options.report_dir;
  result.target.base_url = h.base_url;
  // Time zero: the agreed --start-at, else (seconds not aligned) the first shard's own.
  result.start_epoch_s = h.start_at_epoch_s > 0 ? h.start_at_epoch_s : h.started_epoch_s;
  result.started_at = result.start_epoch_s > 0 ? iso8601(result.start_epoch_s) : "";
  size_t intervals = 0;
  for (const auto& log : shards.logs) intervals = std::max(intervals, log->intervals());
  for (size_t i = 0; i < shards.logs.size(); ++i) {
    result.shards.push_back(shard_summary(static_cast<int>(i), shards.dirs[i], result));
    const auto& m = result.shards.back();
    result.threads += m.threads;
    if (m.saturated) {
      result.warnings.push_back(fmt::format(
          "shard {} ({}): its loadgen ran out of CPU (avg {:.2f} cores): its share may have been sent late or not at "
          "all, and the merged figures measure that generator as much as the target",
          m.index, m.dir, m.loadgen_cpu_avg));
    }
    if (m.start_late_s > 0.1) {
      result.warnings.push_back(fmt::format("shard {} ({}) started {:.2f}s after --start-at", m.index, m.dir, m.start_late_s));
    }
    if (shards.logs[i]->intervals() + 1 < intervals) {
      result.warnings.push_back(fmt::format("shard {} ({}) measured {} intervals, the longest shard {}: it stopped early",
                                            m.index, m.dir, shards.logs[i]->intervals(), intervals));
    }
  }
  ShardSum sum(shards);
  result = replay_trial(sc, sum, intervals, options, std::move(result));
  if (!sum.error().empty()) return core::Expected<Result>::failure(sum.error());
  return result;
}

}  // namespace loadgen::run
