#include "reports/baselines/profile_changes.hpp"

#include <fmt/format.h>

#include "probes/folded_stacks.hpp"

namespace loadgen::reports {
namespace {

using nlohmann::json;

const json* ok_stage(const json& run, const std::string& stage) {
  const auto it = run.find("profiles");
  if (it == run.end() || !it->is_array()) return nullptr;
  for (const auto& p : *it) {
    if (p.value("stage", "") == stage && p.value("status", "") == "ok") return &p;
  }
  return nullptr;
}

std::vector<probes::FunctionShare> shares_of(const json& profile) {
  std::vector<probes::FunctionShare> out;
  for (const auto& f : profile.value("functions", json::array())) {
    probes::FunctionShare s;
    s.function = f.value("function", "");
    s.self = f.value("self", uint64_t{0});
    s.total = f.value("total", uint64_t{0});
    s.self_share = f.value("self_share", 0.0);
    s.total_share = f.value("total_share", 0.0);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::vector<run::ProfileChange> compare_profiles(const json& base, const json& current, std::vector<std::string>& notes) {
  std::vector<run::ProfileChange> out;
  const auto it = current.find("profiles");
  if (it == current.end() || !it->is_array()) return out;
  for (const auto& p : *it) {
    if (p.value("status", "") != "ok") continue;
    const std::string stage = p.value("stage", "");
    const json* b = ok_stage(base, stage);
    if (b == nullptr) {
      notes.push_back(fmt::format("stage '{}' has no profile in the baseline to compare with", stage));
      continue;
    }
    run::ProfileChange change;
    change.stage = stage;
    change.base_samples = b->value("samples", uint64_t{0});
    change.current_samples = p.value("samples", uint64_t{0});
    for (const auto& c : probes::biggest_changes(shares_of(*b), shares_of(p), kProfileChanges)) {
      change.changes.push_back({c.function, c.before, c.after});
    }
    out.push_back(std::move(change));
  }
  return out;
}

}  // namespace loadgen::reports
