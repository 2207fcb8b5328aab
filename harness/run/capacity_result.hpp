#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// What a capacity search (load.search) found: each trial, and the answer.
namespace loadgen::run {

struct CapacityTrial {
  double level = 0;        // offered: requests per second, or users
  double duration_s = 0;   // planned length
  bool confirm = false;    // the confirming run at the highest passing level
  double achieved_rps = 0; // responses per second after the trial's warm-up
  double sent_rps = 0;     // requests written per second: what the generator delivered
  double p50_ms = 0, p90_ms = 0, p99_ms = 0;
  double error_rate = 0;
  uint64_t dropped = 0;
  bool pass = false;
  // The generator, not the target, fell short: sent under 95% of the plan, requests dropped at
  // max_in_flight, or loadgen's own CPU saturated. Such a trial fails, and no capacity above it
  // is claimed.
  bool generator_limited = false;
  std::vector<std::string> failed_slos;  // the expressions that failed
  std::string reason;                    // why it failed, one line; empty when it passed
  std::optional<double> target_cpu;      // cores, average
  std::optional<int64_t> target_rss_max;
  std::optional<double> loadgen_cpu;     // cores, average
};

struct CapacityResult {
  std::string unit = "rps";                 // "rps" (arrival-rate) or "users" (vus)
  std::optional<double> max_rate;           // the confirmed level: the capacity
  std::optional<double> highest_passing;    // the best trial that passed (confirmed or not)
  std::optional<double> first_failing_rate; // the lowest level that failed
  bool confirmed = false;
  bool below_from = false;                  // the first trial failed already
  // Why not higher: the SLOs that failed at first_failing_rate, or "generator", or "max".
  std::vector<std::string> limited_by;
  double from = 0, max = 0, precision = 0;
  std::vector<CapacityTrial> trials;
  double total_s = 0;                       // the search's wall time, cooldowns included
  std::string answer;                       // one sentence for people
};

}  // namespace loadgen::run
