#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "harness/cli/commands.hpp"
#include "harness/core/exit_codes.hpp"

namespace {

using loadgen::core::ExitCode;
using loadgen::core::to_int;

int run(int argc, char** argv) {
  CLI::App app{"loadgen: scenario-driven load generator with HDR latency, SLO verdicts and reports"};
  app.name("loadgen");
  app.set_version_flag("-V,--version", std::string("loadgen ") + LOADGEN_VERSION);
  app.require_subcommand(1);
  // Global flags must also be accepted after the subcommand (toolchain.md, G8).
  app.fallthrough();

  std::map<const CLI::App*, loadgen::cli::CommandRunner> runners;
  auto register_command = [&](loadgen::cli::CommandRunner runner) {
    runners.emplace(app.get_subcommands({}).back(), std::move(runner));
  };
  register_command(loadgen::cli::add_run_command(app));
  register_command(loadgen::cli::add_validate_command(app));
  register_command(loadgen::cli::add_hlog_command(app));
  register_command(loadgen::cli::add_report_command(app));
  register_command(loadgen::cli::add_compare_command(app));
  register_command(loadgen::cli::add_baseline_command(app));
  register_command(loadgen::cli::add_merge_command(app));
  register_command(loadgen::cli::add_init_command(app));

  std::string help_topic;
  auto* help = app.add_subcommand("help", "Show help for a command: loadgen help run");
  help->add_option("command", help_topic, "The command to describe");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes (100+) would collide with ours; bad flags are bad input.
    app.exit(e);
    return to_int(ExitCode::kBadInput);
  }

  if (help->parsed()) {
    if (help_topic.empty()) {
      std::cout << app.help();
      return to_int(ExitCode::kOk);
    }
    for (const auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == help_topic && sub != help) {
        std::cout << sub->help();
        return to_int(ExitCode::kOk);
      }
    }
    std::cerr << "loadgen: no command '" << help_topic << "'; try loadgen --help\n";
    return to_int(ExitCode::kBadInput);
  }
  for (const auto& [sub, runner] : runners) {
    if (sub->parsed()) return runner();
  }
  std::cout << app.help();
  return to_int(ExitCode::kBadInput);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << '\n';
    return to_int(ExitCode::kBadInput);
  }
}
