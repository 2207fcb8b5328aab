#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "harness/cli/commands.hpp"
#include "harness/core/exit_codes.hpp"

// loadgen init [FILE]: a commented starter scenario that validates as written, to edit rather
// than to write from nothing.
namespace loadgen::cli {
namespace {

constexpr const char* kStarter = R"(# A starter scenario: edit the target, the requests and the SLOs, then
#   loadgen validate scenario.yaml      (checks it, prints the load plan; sends nothing)
#   loadgen run scenario.yaml           (runs it; exit 0 when every SLO held, 1 when one did not)
# Every field is described in docs/scenario-format.md.
name: starter

target:
  # Where the requests go. To have loadgen start the service and stop it afterwards:
  #   base_url: http://127.0.0.1:${port}
  #   start: { command: ["./my-service", --port, "0"], ready: /health }
  base_url: http://127.0.0.1:8080

load:
  # Open model: requests arrive at the planned rate whether or not earlier ones have
  # answered, and latency counts from when each was due (no coordinated omission).
  # For a fixed number of looping users instead: model: vus, and "to" counts users.
  model: arrival-rate
  stages:
    - { to: 50, over: 30s, name: ramp }    # from 0 to 50 requests/s
    - { hold: 2m, name: steady }           # then 50 requests/s for two minutes
  warmup: 10s                              # charted, never judged by the SLOs
  max_in_flight: 1000                      # beyond this, arrivals are counted as dropped

requests:
  # Chosen at random by weight. ${uuid}, ${seq} and ${vu} vary per request.
  - name: list
    weight: 4
    get: /api/items?limit=20
    check: { status: 200 }
  - name: create
    weight: 1
    post: /api/items
    json: { name: "item-${seq}" }
    headers: { Idempotency-Key: "${uuid}" }
    check: { status: [200, 201, 202] }

slo:
  # Each must hold for the run to pass; a metric with no samples fails.
  - http.p99 < 250ms              # all requests, from their intended time
  - list.p95 < 100ms              # one request by its name
  - http.error_rate < 1%

report:
  dir: reports/out/starter        # result.json, report.html, summary.md, junit.xml, latency.hlog
)";

struct InitFlags {
  std::string file = "scenario.yaml";
  bool force = false;
};

int init_command(const InitFlags& flags) {
  if (std::filesystem::exists(flags.file) && !flags.force) {
    std::cerr << fmt::format("loadgen: {} exists; give another name, or --force to overwrite it\n", flags.file);
    return core::to_int(core::ExitCode::kBadInput);
  }
  std::ofstream out(flags.file);
  out << kStarter;
  if (!out.flush()) {
    std::cerr << fmt::format("loadgen: cannot write {}\n", flags.file);
    return core::to_int(core::ExitCode::kBadInput);
  }
  std::cout << fmt::format("wrote {}: edit its target, requests and SLOs, then `loadgen validate {}`\n", flags.file,
                           flags.file);
  return 0;
}

}  // namespace

CommandRunner add_init_command(CLI::App& app) {
  auto flags = std::make_shared<InitFlags>();
  auto* cmd = app.add_subcommand("init", "Write a commented starter scenario (open model, a ramp and a hold, two requests, three SLOs)");
  cmd->add_option("file", flags->file, "Where to write it (default: scenario.yaml)");
  cmd->add_flag("--force", flags->force, "Overwrite the file if it exists");
  return [flags] { return init_command(*flags); };
}

}  // namespace loadgen::cli
