#pragma once

#include <optional>

#include "targets/refserver/config.hpp"

// refserver's command line (CLI11). Help goes to stdout; every problem is one line on stderr.
namespace loadgen::refserver {

struct CliOutcome {
  std::optional<Config> config;  // set when the server should run
  int exit_code = 0;             // otherwise: 0 after --help, 2 for bad flags
};

CliOutcome parse_command_line(int argc, const char* const* argv);

}  // namespace loadgen::refserver
