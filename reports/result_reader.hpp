#pragma once

#include <istream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/core/expected.hpp"
#include "harness/run/result.hpp"

// Reads a finished run back from its report directory (result.json and latency.hlog), so that
// `loadgen report DIR` can render every report again with a newer loadgen. Whatever reports
// read is restored; fields a newer writer added are ignored, fields an older one lacked keep
// their defaults.
namespace loadgen::reports {

struct LoadedRun {
  run::Result result;
  nlohmann::json context;  // the context block as the run wrote it (host, CPUs, build)
  bool has_hlog = false;   // false: the histograms are empty (no latency.hlog beside it)
};

// result.json's text -> run::Result; the error names `source_name` and what is wrong.
core::Expected<LoadedRun> result_from_json_text(std::string_view text,
                                                const std::string& source_name);
core::Expected<LoadedRun> result_from_json(const nlohmann::json& json,
                                           const std::string& source_name);

// Fills the histograms (overall and per request name, corrected and service, send lag) from
// an .hlog written by HlogReport: untagged = all requests corrected, tags "service",
// "send_lag" and one per request name. Intervals starting inside the warm-up are left out, as
// the run left them out of its own histograms.
core::Expected<bool> add_histograms_from_hlog(std::istream& hlog, const std::string& source_name,
                                              run::Result& result);

// DIR/result.json and, when present, DIR/latency.hlog. report_dir is set to `dir`.
core::Expected<LoadedRun> read_run(const std::string& dir);

}  // namespace loadgen::reports
