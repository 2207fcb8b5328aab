#pragma once

#include <cstdint>
#include <unordered_set>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/scenario.hpp"
#include "harness/scenario/yaml_reader.hpp"

// One reader per top-level section of a scenario. Each returns what it could read and leaves
// every problem in the Reader, so that one run reports them all. Internal to the loader.
namespace loadgen::scenario {

TargetSpec read_target(Reader& r, const Field& field);
// A command as a list of arguments; `program`: it must name at least the program.
std::vector<Template> read_argv(Reader& r, const Field& field, Dynamic allowed, bool program);
// NAME: value; values kept in ${...} source form, since ${port} is known only at the start.
std::map<std::string, std::string> read_env(Reader& r, const Field& field);

StartupSpec read_startup(Reader& r, const Field& field);
ProbesSpec read_probes(Reader& r, const Field& field);

LoadSpec read_load(Reader& r, const Field& field);
std::vector<Stage> read_stages(Reader& r, const Field& field, LoadModel model, double start);
// A load level: requests per second ("500", "1.5k", "6000/m") or a whole number of users.
std::optional<double> read_level(Reader& r, const Field& field, LoadModel model);
std::optional<SearchSpec> read_search(Reader& r, const Field& field, LoadModel model);
std::string_view model_name(LoadModel model);

std::vector<RequestSpec> read_requests(Reader& r, const Field& field);
// The keys a request may have, and one request read from its (already checked) keys; flow
// steps add keys of their own and allow flow variables.
constexpr size_t kRequestKeyCount = 16;
std::span<const std::string_view> request_keys();
// max_redirects: (a request's, a step's, load's) is 0..this.
constexpr int64_t kMaxRedirectsLimit = 100;
RequestSpec read_request_fields(Reader& r, const Field& item, const Fields& fields,
                                Dynamic allowed, std::string_view what);
// A metric name (is_metric_name, not reserved); `what` names it in messages ("request").
std::string read_metric_name(Reader& r, const Field& field, std::string_view what);

std::vector<FeedSpec> read_feeds(Reader& r, const Field& field, const std::string& scenario_file);
// Reads the flows; `taken` holds the request names, and gets every flow, step and
// since_start name added (all metric names share one namespace).
std::vector<FlowSpec> read_flows(Reader& r, const Field& field, const std::vector<FeedSpec>& feeds,
                                 std::unordered_set<std::string>& taken);
// A name SLOs can use as a metric: a letter or '_', then letters, digits, '_' and '-'.
bool is_metric_name(std::string_view s);
Check read_check(Reader& r, const Field& field);

// What SLO expressions may refer to, from the sections read before them.
struct SloContext {
  std::vector<std::string> request_names;
  std::vector<std::string> stage_names;  // empty: the load could not be read, so not checked
  bool starts_target = false;
  LoadModel model = LoadModel::kArrivalRate;
  // startup.<phase>: the startup block's phases when there is one, else what target.start
  // times of its single start (listening, ready), else none.
  std::optional<std::vector<std::string>> startup_phases;
  // target.*: the resources probe has a process to watch (target.start or a pid file).
  bool samples_target = false;
  bool resources_disabled = false;  // probes.resources.enabled: false
  bool scrapes_metrics = false;     // probes.metrics: target.metric.* exists
  bool search = false;              // load.search: capacity.* exists, stages do not
};
BaselineSpec read_baseline(Reader& r, const Field& field);

std::vector<SloSpec> read_slos(Reader& r, const Field& field, const SloContext& context);

}  // namespace loadgen::scenario
