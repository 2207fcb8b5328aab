#pragma once

#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"
#include "harness/scenario/yaml_reader.hpp"

// One reader per top-level section of a scenario. Each returns what it could read and leaves
// every problem in the Reader, so that one run reports them all. Internal to the loader.
namespace loadgen::scenario {

TargetSpec read_target(Reader& r, const Field& field);

LoadSpec read_load(Reader& r, const Field& field);
std::vector<Stage> read_stages(Reader& r, const Field& field, LoadModel model, double start);
// A load level: requests per second ("500", "1.5k", "6000/m") or a whole number of users.
std::optional<double> read_level(Reader& r, const Field& field, LoadModel model);
std::string_view model_name(LoadModel model);

std::vector<RequestSpec> read_requests(Reader& r, const Field& field);
Check read_check(Reader& r, const Field& field);

// What SLO expressions may refer to, from the sections read before them.
struct SloContext {
  std::vector<std::string> request_names;
  std::vector<std::string> stage_names;  // empty: the load could not be read, so not checked
  bool starts_target = false;
  LoadModel model = LoadModel::kArrivalRate;
};
std::vector<SloSpec> read_slos(Reader& r, const Field& field, const SloContext& context);

}  // namespace loadgen::scenario
