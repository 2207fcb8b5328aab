#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "harness/cli/commands.hpp"
#include "harness/core/exit_codes.hpp"
#include "harness/metrics/hlog.hpp"
#include "harness/metrics/percentile_table.hpp"

namespace loadgen::cli {
namespace {

struct HlogOptions {
  std::string path;
  std::string tag;
  double ratio = 1e6;
  int ticks = 5;
  bool csv = false;
  bool list_intervals = false;
};

int run_hlog(const HlogOptions& options) {
  std::ifstream in(options.path);
  if (!in) {
    std::cerr << fmt::format("loadgen: cannot open '{}'\n", options.path);
    return core::to_int(core::ExitCode::kBadInput);
  }
  auto log = metrics::read_hlog(in, options.path);
  if (!log) {
    std::cerr << "loadgen: " << log.error() << '\n';
    return core::to_int(core::ExitCode::kBadInput);
  }
  std::optional<metrics::Histogram> merged;
  size_t used = 0;
  for (const auto& interval : log->intervals) {
    if (interval.tag != options.tag) continue;
    if (!merged) {
      const auto& h = interval.histogram;
      merged.emplace(h.lowest_discernible(), h.highest_trackable(), h.significant_digits());
    }
    merged->add(interval.histogram);
    ++used;
    if (options.list_intervals) {
      const auto& h = interval.histogram;
      std::cout << fmt::format("{:.3f} +{:.3f}s count={} p50={} p99={} max={}\n", interval.start_s,
                               interval.length_s, h.total_count(),
                               metrics::format_fixed_half_up(static_cast<double>(h.value_at_percentile(50)) / options.ratio, 3),
                               metrics::format_fixed_half_up(static_cast<double>(h.value_at_percentile(99)) / options.ratio, 3),
                               metrics::format_fixed_half_up(static_cast<double>(h.max()) / options.ratio, 3));
    }
  }
  if (!merged) {
    std::cerr << fmt::format("loadgen: '{}' has no interval{}\n", options.path,
                             options.tag.empty() ? "" : " tagged '" + options.tag + "'");
    return core::to_int(core::ExitCode::kBadInput);
  }
  std::cout << (options.csv ? metrics::format_percentile_csv(*merged, options.ticks, options.ratio)
                            : metrics::format_percentile_table(*merged, options.ticks, options.ratio));
  return core::to_int(core::ExitCode::kOk);
}

}  // namespace

CommandRunner add_hlog_command(CLI::App& app) {
  auto options = std::make_shared<HlogOptions>();
  auto* cmd = app.add_subcommand("hlog", "Print the merged percentile distribution of an HdrHistogram interval log (.hlog)");
  cmd->add_option("file", options->path, "The .hlog file (as written by loadgen run or any HdrHistogram tool)")
      ->required();
  cmd->add_option("--tag", options->tag, "Only intervals with this tag (default: untagged)");
  cmd->add_option("--ratio", options->ratio, "Divide values by this (1e6: ns as ms; 1: raw)")
      ->capture_default_str()
      ->check(CLI::Range(1e-9, 1e12));
  cmd->add_option("--ticks", options->ticks, "Percentile rows per halving of the distance to 100%")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--csv", options->csv, "CSV instead of the aligned table");
  cmd->add_flag("--intervals", options->list_intervals, "Also print one line per interval");
  return [options] { return run_hlog(*options); };
}

}  // namespace loadgen::cli
