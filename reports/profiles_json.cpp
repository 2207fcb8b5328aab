#include "reports/profiles_json.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

json shares_json(const std::vector<probes::FunctionShare>& shares, bool self) {
  json out = json::array();
  for (const auto& f : shares) {
    out.push_back({{"function", f.function}, {"samples", self ? f.self : f.total}, {"share", self ? f.self_share : f.total_share}});
  }
  return out;
}

}  // namespace

json profiles_json(const std::vector<run::StageProfile>& profiles) {
  json out = json::array();
  for (const auto& p : profiles) {
    json functions = json::array();
    for (const auto& f : probes::top_by_total(p.functions, kKeptFunctions)) {
      functions.push_back({{"function", f.function}, {"self", f.self}, {"total", f.total}, {"self_share", f.self_share},
                           {"total_share", f.total_share}});
    }
    out.push_back({{"stage", p.stage},
                   {"start_s", p.start_s},
                   {"end_s", p.end_s},
                   {"status", p.status},
                   {"reason", p.reason.empty() ? json(nullptr) : json(p.reason)},
                   {"file", p.status == "ok" ? json(p.folded_file) : json(nullptr)},
                   {"frequency_hz", p.frequency},
                   {"call_graph", p.call_graph},
                   {"pids", p.pids},
                   {"includes_loadgen", p.includes_loadgen},
                   {"samples", p.samples},
                   {"top_self", shares_json(probes::top_by_self(p.functions, kTopFunctions), true)},
                   {"top_total", shares_json(probes::top_by_total(p.functions, kTopFunctions), false)},
                   {"functions", functions}});
  }
  return out;
}

}  // namespace loadgen::reports
