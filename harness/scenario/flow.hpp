#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario/template.hpp"

// The parts of a flow step (scenario.hpp's StepSpec) beyond its request. Included by
// scenario.hpp; kept apart so that the request model stays small.
namespace loadgen::scenario {

// Where a step takes a value from its response.
struct Extract {
  enum class From { kJson, kHeader, kRegex };
  std::string name;                 // the variable it sets: ${name}
  From from = From::kJson;
  std::string source;               // JSON pointer, header name, or regex with one group
  std::optional<std::string> fallback;  // `default:`: used when the value is missing
};

// Repeat a step until its response meets every condition given here.
struct Until {
  std::string pointer;              // JSON pointer; empty: no JSON condition
  std::vector<std::string> any_of_json;  // accepted values there, serialised as JSON
  std::vector<int> statuses;        // accepted statuses; empty: no status condition
  std::chrono::nanoseconds poll = std::chrono::seconds(1);
  std::chrono::nanoseconds timeout = std::chrono::seconds(30);
};

// A pause after a step: fixed, uniform in [min, max], or exponential around a mean.
struct Think {
  enum class Kind { kNone, kFixed, kUniform, kExponential };
  Kind kind = Kind::kNone;
  std::chrono::nanoseconds a{0};    // fixed value, uniform min, exponential mean
  std::chrono::nanoseconds b{0};    // uniform max
};

}  // namespace loadgen::scenario
