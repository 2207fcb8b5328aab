#pragma once

#include <optional>
#include <string>

// Port helpers shared by the ways loadgen starts a target (probes/startup_run.hpp).
namespace loadgen::probes {

// A port that was free a moment ago on `host` (the kernel picks it).
std::optional<int> pick_free_port(const std::string& host);

// `text` with every "${port}" replaced by the port number.
std::string substitute_port(std::string text, int port);

}  // namespace loadgen::probes
