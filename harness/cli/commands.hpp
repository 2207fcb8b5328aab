#pragma once

#include <CLI/CLI.hpp>

// Each subcommand registers its options on the app and returns the function that runs it
// once parsing succeeded; the function returns the process exit code.
namespace loadgen::cli {

using CommandRunner = std::function<int()>;

CommandRunner add_run_command(CLI::App& app);
CommandRunner add_validate_command(CLI::App& app);
CommandRunner add_hlog_command(CLI::App& app);
CommandRunner add_report_command(CLI::App& app);
CommandRunner add_compare_command(CLI::App& app);
CommandRunner add_baseline_command(CLI::App& app);
CommandRunner add_merge_command(CLI::App& app);
CommandRunner add_init_command(CLI::App& app);

}  // namespace loadgen::cli
