#include "reports/capacity_json.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

template <typename T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

template <typename T>
std::optional<T> optional_of(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

}  // namespace

json capacity_json(const run::CapacityResult& c) {
  json trials = json::array();
  for (const auto& t : c.trials) {
    trials.push_back({{"rate", t.level},
                      {"duration_s", t.duration_s},
                      {"confirm", t.confirm},
                      {"sent_rps", t.sent_rps},
                      {"achieved_rps", t.achieved_rps},
                      {"p50_ms", t.p50_ms},
                      {"p90_ms", t.p90_ms},
                      {"p99_ms", t.p99_ms},
                      {"error_rate", t.error_rate},
                      {"dropped", t.dropped},
                      {"pass", t.pass},
                      {"generator_limited", t.generator_limited},
                      {"failed_slos", t.failed_slos},
                      {"reason", t.reason},
                      {"target_cpu_cores", optional_json(t.target_cpu)},
                      {"target_rss_max_bytes", optional_json(t.target_rss_max)},
                      {"loadgen_cpu_cores", optional_json(t.loadgen_cpu)}});
  }
  return {{"unit", c.unit},
          {"max_rate", optional_json(c.max_rate)},
          {"highest_passing_rate", optional_json(c.highest_passing)},
          {"first_failing_rate", optional_json(c.first_failing_rate)},
          {"confirmed", c.confirmed},
          {"below_from", c.below_from},
          {"limited_by", c.limited_by},
          {"from", c.from},
          {"max", c.max},
          {"precision", c.precision},
          {"total_s", c.total_s},
          {"answer", c.answer},
          {"trials", trials}};
}

run::CapacityResult capacity_from_json(const json& j) {
  run::CapacityResult c;
  c.unit = j.value("unit", "rps");
  c.max_rate = optional_of<double>(j, "max_rate");
  c.highest_passing = optional_of<double>(j, "highest_passing_rate");
  c.first_failing_rate = optional_of<double>(j, "first_failing_rate");
  c.confirmed = j.value("confirmed", false);
  c.below_from = j.value("below_from", false);
  c.limited_by = j.value("limited_by", std::vector<std::string>{});
  c.from = j.value("from", 0.0);
  c.max = j.value("max", 0.0);
  c.precision = j.value("precision", 0.0);
  c.total_s = j.value("total_s", 0.0);
  c.answer = j.value("answer", "");
  for (const auto& t : j.value("trials", json::array())) {
    run::CapacityTrial trial;
    trial.level = t.value("rate", 0.0);
    trial.duration_s = t.value("duration_s", 0.0);
    trial.confirm = t.value("confirm", false);
    trial.sent_rps = t.value("sent_rps", 0.0);
    trial.achieved_rps = t.value("achieved_rps", 0.0);
    trial.p50_ms = t.value("p50_ms", 0.0);
    trial.p90_ms = t.value("p90_ms", 0.0);
    trial.p99_ms = t.value("p99_ms", 0.0);
    trial.error_rate = t.value("error_rate", 0.0);
    trial.dropped = t.value("dropped", uint64_t{0});
    trial.pass = t.value("pass", false);
    trial.generator_limited = t.value("generator_limited", false);
    trial.failed_slos = t.value("failed_slos", std::vector<std::string>{});
    trial.reason = t.value("reason", "");
    trial.target_cpu = optional_of<double>(t, "target_cpu_cores");
    trial.target_rss_max = optional_of<int64_t>(t, "target_rss_max_bytes");
    trial.loadgen_cpu = optional_of<double>(t, "loadgen_cpu_cores");
    c.trials.push_back(std::move(trial));
  }
  return c;
}

}  // namespace loadgen::reports
