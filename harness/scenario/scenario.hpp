#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/scenario/template.hpp"

// The validated scenario model: what `loadgen run FILE` will do. Built by scenario::load()
// from YAML (loader.hpp); everything downstream reads only this, never YAML.
namespace loadgen::scenario {

using Nanos = std::chrono::nanoseconds;

// Where something was written, for error messages: file:line:col (1-based).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "soak.yaml:12:5"
};

struct JsonEquals {
  std::string pointer;      // RFC 6901, e.g. "/status"
  std::string value_json;   // the expected value, serialised as JSON ("\"done\"", "3", "true")
};

// What makes a response a success. Empty: any 2xx or 3xx status.
struct Check {
  std::vector<int> statuses;          // exact codes; empty: see status_class
  std::optional<int> status_class;    // 2 for 2xx, 4 for 4xx ...
  std::optional<std::string> body_contains;
  std::vector<JsonEquals> json_equals;
};

struct Header {
  std::string name;
  Template value;
};

struct RequestSpec {
  std::string name;                 // metric name; defaults to "<method> <path>" when not given
  double weight = 1.0;              // relative share among requests (and flows)
  std::string method = "GET";
  Template path;                    // path and query, e.g. "/api/items?limit=50"
  std::vector<Header> headers;
  std::optional<Template> body;     // raw body, or `json:` serialised (content type set)
  Nanos timeout = std::chrono::seconds(10);
  Check check;
  SourceLocation where;
};

enum class LoadModel { kArrivalRate, kVirtualUsers };

// One piece of the piecewise-linear load profile, already normalised: the level (requests per
// second, or virtual users) goes linearly from `from` to `to` over `duration`. A spike is a
// stage of zero duration followed by a hold.
struct Stage {
  std::string name;   // optional; "stage 3" style names are filled in by the loader
  double from = 0;
  double to = 0;
  Nanos duration{0};
  SourceLocation where;
};

struct LoadSpec {
  LoadModel model = LoadModel::kArrivalRate;
  std::vector<Stage> stages;        // at least one; total duration > 0
  int max_in_flight = 1000;         // open model: beyond this a due request is dropped
  // Open model: the most connections to hold (as wrk2's -c). A due request that finds them
  // all busy waits for one; the wait counts in its latency (measured from the intended
  // start) and in send lag. Empty: up to max_in_flight connections.
  std::optional<int> connections;
  Nanos think_time{0};              // closed model: pause between a user's requests
  Nanos warmup{0};                  // leading time left out of SLOs (still charted)
  std::optional<int> threads;       // event-loop threads; default: the machine's cores
};

struct StartSpec {
  std::vector<Template> command;    // argv; ${port}/${tmp}/${bin} resolved before spawning
  std::string ready_path = "/up";   // GET until it answers 2xx
  Nanos timeout = std::chrono::seconds(30);
  Nanos stop_grace = std::chrono::seconds(5);  // SIGTERM, then SIGKILL after this
  std::optional<int> port;          // fixed port; otherwise learned from a "listening on" line
  std::map<std::string, std::string> env;
  SourceLocation where;
};

struct TargetSpec {
  Template base_url;                // "http://127.0.0.1:${port}"
  std::optional<StartSpec> start;
};

struct SloSpec {
  std::string expression;           // "http.p99 < 200ms"; parsed by slo::parse
  SourceLocation where;
};

struct Scenario {
  std::string name;
  std::string file;                 // path as given
  TargetSpec target;
  LoadSpec load;
  std::vector<RequestSpec> requests;
  std::vector<SloSpec> slos;
  std::string report_dir;           // "" : reports/out/<name>
  std::string resolved_yaml;        // the scenario as it ran (after --set), for reports
};

}  // namespace loadgen::scenario
