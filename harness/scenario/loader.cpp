#include "harness/scenario/loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "harness/scenario/read_scenario.hpp"
#include "harness/scenario/set_overrides.hpp"
#include "harness/scenario/variables.hpp"
#include "harness/scenario/yaml_reader.hpp"

namespace loadgen::scenario {
namespace {

LoadResult failed(std::vector<Diagnostic> errors) {
  // File order reads best; --set problems (no line) come first, as the command line does.
  std::stable_sort(errors.begin(), errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  return {std::nullopt, std::move(errors)};
}

std::string emit(const YAML::Node& root) {
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

LoadResult load_string(std::string_view yaml, const std::string& file_name,
                       const LoadOptions& options) {
  // A scenario is a page or two; test data belongs in feeds, which are streamed.
  constexpr size_t kMaxScenarioBytes = 16u << 20;
  if (yaml.size() > kMaxScenarioBytes) {
    return failed({{{file_name, 0, 0},
                    fmt::format("the scenario is {:.1f} MiB; at most 16 MiB is read (large test data "
                                "belongs in a feed)",
                                static_cast<double>(yaml.size()) / (1 << 20))}});
  }
  YAML::Node root;
  try {
    root.reset(YAML::Load(std::string(yaml)));
  } catch (const YAML::Exception& e) {  // syntax errors, nesting too deep, bad encodings
    return failed({{{file_name, e.mark.line + 1, e.mark.column + 1}, e.msg}});
  }
  auto overrides = apply_overrides(root, options.sets);
  const Variables variables(options);
  Reader reader(file_name, yaml, std::move(overrides.applied), variables);
  Scenario scenario = read_scenario(reader, root, options.target_pid_given);
  auto errors = std::move(overrides.errors);
  for (auto& e : reader.take_errors())
    errors.push_back(std::move(e));
  if (!errors.empty())
    return failed(std::move(errors));
  scenario.file = file_name;
  scenario.resolved_yaml = emit(root);
  return {std::move(scenario), {}};
}

LoadResult load_file(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return failed(
        {{{path, 0, 0}, fmt::format("cannot read the scenario: {}", std::strerror(errno))}});
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return failed({{{path, 0, 0}, "cannot read the scenario: read error"}});
  return load_string(text.str(), path, options);
}

}  // namespace loadgen::scenario
