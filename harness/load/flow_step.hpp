#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/http/types.hpp"
#include "harness/scenario/scenario.hpp"

// The pure parts of running a flow step: the variables a flow instance carries, taking values
// from a response, judging an until: condition, and drawing a think time. No I/O, no clock:
// the worker (worker_flow.cpp) does the sending and the waiting. Never throws.
namespace loadgen::load {

// A flow instance's variables: vars:, feed columns and extracted values. A handful per flow,
// so a flat list beats a map.
class FlowVars {
 public:
  const std::string* find(std::string_view name) const;
  void set(std::string_view name, std::string value);
  void unset(std::string_view name);
  // Set and not empty: what repeat_while: asks.
  bool present(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// A response body parsed once, on demand, for all the JSON pointers that read it.
class LazyJson {
 public:
  explicit LazyJson(const std::string& body) : body_(body) {}
  const nlohmann::json* doc();  // nullptr when the body is not JSON
  // The value at `pointer` as text (strings raw, others as JSON); nothing when it is absent,
  // null, or the body is not JSON.
  std::optional<std::string> at(const std::string& pointer);

 private:
  const std::string& body_;
  std::optional<nlohmann::json> doc_;
  bool parsed_ = false;
};

// Each extract: regexes compiled once, per worker thread.
struct CompiledExtract {
  const scenario::Extract* spec = nullptr;
  std::optional<std::regex> regex;
};
std::vector<CompiledExtract> compile_extracts(const std::vector<scenario::Extract>& extracts);

// Sets every value the step extracts. `may_be_missing` (the repeat_while variable) ends a
// walk when absent: it is unset, not a failure. Otherwise a missing value without a default
// fails: the message says which and where it was looked for.
bool extract_values(const std::vector<CompiledExtract>& extracts, const http::Response& response,
                    LazyJson& json, std::string_view may_be_missing, FlowVars& vars,
                    std::string& error);

// Whether the response meets every condition of `until`.
bool until_met(const scenario::Until& until, const http::Response& response, LazyJson& json);

std::chrono::nanoseconds draw_think(const scenario::Think& think, std::mt19937_64& rng);

// The most a flow can take before its last step ends (timeouts, polls, pauses): how long a
// run waits for flows still going when the load plan ends.
std::chrono::nanoseconds longest_flow(const scenario::FlowSpec& flow);

}  // namespace loadgen::load
