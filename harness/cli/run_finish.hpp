#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/run/result.hpp"
#include "harness/run/slo_scopes.hpp"
#include "harness/scenario/scenario.hpp"
#include "harness/slo/tolerance.hpp"
#include "reports/hlog_report.hpp"

// What `run` and `merge` share once the measurements are in: the baseline, the verdict, the
// reports, the exit code.
namespace loadgen::cli {

// The run this one is compared with, read before the load starts so that a bad file
// costs nothing.
struct Baseline {
  std::string file;
  nlohmann::json run;
  slo::Tolerances tolerances;
};

// Empty when no baseline is asked for (--baseline, else the scenario's baseline.file);
// false (after saying why) when it cannot be used.
bool load_baseline(const std::string& baseline_flag, const std::string& tolerance_flag, const scenario::Scenario& sc,
                   std::optional<Baseline>& out);

// ${tmp}: a private directory for the target's files, removed at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Judges the SLOs (when `scoped` watched the run; a shard leaves them to the merge),
// compares with the baseline, writes every report, prints the summary, and returns the
// exit code.
int finish(run::Result& result, const scenario::Scenario& sc, bool target_failed, const run::ScopedSlos* scoped,
           const std::optional<Baseline>& baseline, const reports::HlogReport& hlog,
           const std::vector<std::string>& more_failures = {});

}  // namespace loadgen::cli
