#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "harness/scenario/loader.hpp"

// Loading scenarios from strings, with fixed ${tmp}, ${bin} and environment.
namespace loadgen::scenario::testing {

inline LoadOptions test_options(std::vector<std::pair<std::string, std::string>> sets = {}) {
  LoadOptions options;
  options.sets = std::move(sets);
  options.tmp_dir = "/tmp/lg";
  options.bin_dir = "/opt/lg/bin";
  options.getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOST")
      return "10.0.0.1";
    if (name == "EMPTY")
      return "";
    return std::nullopt;
  };
  return options;
}

inline LoadResult load(std::string_view yaml, const LoadOptions& options = test_options()) {
  return load_string(yaml, "s.yaml", options);
}

inline std::vector<std::string> errors_of(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& e : result.errors)
    out.push_back(e.str());
  return out;
}

inline std::string joined(const LoadResult& result) {
  std::string out;
  for (const auto& e : errors_of(result))
    out += e + "\n";
  return out;
}

// The scenario, failing the test (with every error) when it did not load.
inline Scenario loaded(std::string_view yaml, const LoadOptions& options = test_options()) {
  auto result = load(yaml, options);
  EXPECT_TRUE(result.ok()) << joined(result);
  return result.scenario.value_or(Scenario{});
}

// A small valid scenario to vary.
constexpr std::string_view kSmoke = R"(name: smoke
target:
  base_url: http://127.0.0.1:8080
load:
  rate: 10
  duration: 5s
requests:
  - get: /
)";

}  // namespace loadgen::scenario::testing
