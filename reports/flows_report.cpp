#include "reports/flows_report.hpp"

#include <fmt/format.h>

namespace loadgen::reports {
namespace {

std::string failing_steps(const run::FlowResult& f) {
  std::string out;
  for (const auto& [step, count] : f.failed_by_step) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", step, count);
  return out;
}

}  // namespace

nlohmann::json flows_json(const run::Result& r) {
  auto out = nlohmann::json::array();
  for (const auto& f : r.flows) {
    out.push_back({{"name", f.name},
                   {"started", f.started},
                   {"completed", f.completed},
                   {"failed", f.failed},
                   {"dropped", f.dropped},
                   {"failed_by_step", f.failed_by_step},
                   {"failed_by_kind", f.failed_by_kind},
                   {"first_failure", f.first_failure}});
  }
  return out;
}

nlohmann::json feeds_json(const run::Result& r) {
  auto out = nlohmann::json::array();
  for (const auto& f : r.feeds) {
    out.push_back({{"name", f.name}, {"rows_read", f.rows_read}, {"bad_rows", f.bad_rows}, {"ran_out", f.ran_out}});
  }
  return out;
}

std::string flows_console_table(const run::Result& r) {
  if (r.flows.empty()) return {};
  std::string out = fmt::format("\n  {:<24} {:>9} {:>10} {:>9}  {}\n", "flow", "started", "completed", "failed",
                                "failed at");
  for (const auto& f : r.flows) {
    auto line = fmt::format("  {:<24} {:>9} {:>10} {:>9}  {}", f.name, f.started, f.completed, f.failed, failing_steps(f));
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
    if (!f.first_failure.empty()) out += fmt::format("  {:<24} first failure: {}\n", "", f.first_failure);
  }
  return out;
}

}  // namespace loadgen::reports
