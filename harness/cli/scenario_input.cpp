#include "harness/cli/scenario_input.hpp"

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

namespace loadgen::cli {

std::string executable_dir() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

namespace {

std::optional<scenario::Scenario> load(const ScenarioInput& input, const std::string& tmp_dir,
                                       const std::string* text) {
  scenario::LoadOptions options;
  options.tmp_dir = tmp_dir;
  options.bin_dir = executable_dir();
  options.target_pid_given = input.target_pid_given;
  options.shard_index = input.shard_index;
  options.shard_count = input.shard_count;
  for (const auto& s : input.sets) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << fmt::format("loadgen: --set '{}' must be key=value\n", s);
      return std::nullopt;
    }
    options.sets.emplace_back(s.substr(0, eq), s.substr(eq + 1));
  }
  auto loaded = text != nullptr ? scenario::load_string(*text, input.path, options)
                                : scenario::load_file(input.path, options);
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::cerr << e.str() << '\n';
    std::cerr << fmt::format("loadgen: {} has {} error{}; nothing was run\n", input.path, loaded.errors.size(),
                             loaded.errors.size() == 1 ? "" : "s");
    return std::nullopt;
  }
  return std::move(loaded.scenario);
}

}  // namespace

std::optional<scenario::Scenario> load_scenario(const ScenarioInput& input, const std::string& tmp_dir) {
  return load(input, tmp_dir, nullptr);
}

std::optional<scenario::Scenario> load_scenario_text(const std::string& text, const ScenarioInput& input,
                                                     const std::string& tmp_dir) {
  return load(input, tmp_dir, &text);
}

}  // namespace loadgen::cli
