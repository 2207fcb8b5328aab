#include "harness/scenario/variables.hpp"

#include <array>
#include <cstdlib>

#include <fmt/format.h>

#include "harness/scenario/suggest.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 4> kRequestVariables = {"uuid", "seq", "vu", "now_ms"};

bool is_request_variable(std::string_view name) {
  for (auto v : kRequestVariables) {
    if (v == name)
      return true;
  }
  return false;
}

std::optional<std::string> system_getenv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  return value ? std::optional<std::string>(value) : std::nullopt;
}

}  // namespace

Variables::Variables(const LoadOptions& options) : options_(options) {
  if (!options_.getenv)
    options_.getenv = system_getenv;
}

std::optional<std::string> Variables::lookup(std::string_view name) const {
  // Later --set values win, as on any command line.
  for (auto it = options_.sets.rbegin(); it != options_.sets.rend(); ++it) {
    if (it->first == name)
      return it->second;
  }
  if (name == "shard")
    return std::to_string(options_.shard_index);
  if (name == "shards")
    return std::to_string(options_.shard_count);
  if (name == "tmp" && !options_.tmp_dir.empty())
    return options_.tmp_dir;
  if (name == "bin" && !options_.bin_dir.empty())
    return options_.bin_dir;
  if (name.starts_with("env:")) {
    const auto spec = name.substr(4);
    const auto dash = spec.find(":-");
    auto value = options_.getenv(spec.substr(0, dash));
    if (dash == std::string_view::npos)
      return value;
    // As in the shell, ":-" also replaces a value that is set but empty.
    return value && !value->empty() ? *value : std::string(spec.substr(dash + 2));
  }
  return std::nullopt;
}

std::string Variables::why_unbound(const std::string& name, Dynamic allowed) const {
  const std::string placeholder = "${" + name + "}";
  if (name == "port") {
    return allowed == Dynamic::kPort ? std::string()
                                     : fmt::format(
                                           "{} is only known in target.base_url, "
                                           "target.start.command and target.start.env, and "
                                           "in startup: its command, env, variants and tcp:",
                                           placeholder);
  }
  if (allowed == Dynamic::kFlow && !name.starts_with("env:") && name != "tmp" && name != "bin" &&
      name != "port" && name.find(':') == std::string::npos) {
    return std::string();  // a flow variable (extracted, from a feed or vars:), checked later
  }
  if (is_request_variable(name)) {
    return allowed == Dynamic::kRequest || allowed == Dynamic::kFlow
               ? std::string()
               : fmt::format("{} is only filled in request paths, headers and bodies", placeholder);
  }
  if (name.starts_with("env:")) {
    const auto var = name.substr(4);
    return fmt::format(
        "environment variable {} is not set (write ${{env:{}:-default}} to give "
        "a default)",
        var, var);
  }
  if (name == "tmp" || name == "bin") {
    return fmt::format("{} has no value here (no {} directory was given)", placeholder,
                       name == "tmp" ? "temporary" : "program");
  }
  std::vector<std::string> known = {"tmp", "bin", "port", "uuid", "seq", "vu", "now_ms", "shard", "shards"};
  for (const auto& set : options_.sets)
    known.push_back(set.first);
  const auto close = nearest(name, known);
  if (close)
    return fmt::format("unknown variable {} (did you mean ${{{}}}?)", placeholder, *close);
  return fmt::format(
      "unknown variable {} (use ${{env:NAME}}, ${{tmp}}, ${{bin}}, ${{shard}}, ${{shards}}, a --set key, "
      "or ${{port}}, ${{uuid}}, ${{seq}}, ${{vu}}, ${{now_ms}} where they apply)",
      placeholder);
}

Variables::Bound Variables::bind(const Template& t, Dynamic allowed) const {
  Bound bound{t.bind([this](std::string_view name) { return lookup(name); }), {}};
  for (const auto& name : bound.value.variables()) {
    auto why = why_unbound(name, allowed);
    if (!why.empty())
      bound.problems.push_back({"${" + name + "}", std::move(why)});
  }
  return bound;
}

}  // namespace loadgen::scenario
