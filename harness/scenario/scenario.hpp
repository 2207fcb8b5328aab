#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/scenario/baseline_spec.hpp"
#include "harness/scenario/flow.hpp"
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
  Nanos timeout = std::chrono::seconds(10);  // the whole request, its redirects included
  Check check;                      // judges the final response (after redirects)
  // Redirects to follow (0: none, the 3xx is the answer); empty: load.max_redirects.
  std::optional<int> max_redirects;
  SourceLocation where;
};

// Test data read as rows, streamed from a CSV (with a header row) or JSON-lines file.
struct FeedSpec {
  enum class Format { kCsv, kJsonLines };
  // sequential: file order, shared by all flows; random: drawn from a window of rows that
  // slides through the file; unique: file order, and never the same row twice.
  enum class Order { kSequential, kRandom, kUnique };
  enum class AtEnd { kWrap, kStop, kFail };
  std::string name;
  std::string path;                 // resolved against the scenario's directory
  Format format = Format::kCsv;
  Order order = Order::kSequential;
  AtEnd at_end = AtEnd::kWrap;
  int window = 1000;                // random: rows held to draw from
  std::vector<std::string> columns; // the header row, or the first JSON line's keys
  SourceLocation where;
};

// One step of a flow: a request, what to take from its response, and how often to send it.
struct StepSpec {
  RequestSpec request;              // request.name is the step's metric name
  std::vector<Extract> extract;
  std::optional<Until> until;
  std::string repeat_while;         // a variable: repeat while it is set and not empty
  int max_repeats = 10000;          // repeat_while: a bound against a cursor that never ends
  Think think;
  std::string since_start;          // a metric: flow start until this step succeeded
};

// A journey: its steps in order, measured as a whole under `name` and step by step.
struct FlowSpec {
  std::string name;
  double weight = 1.0;              // relative share among requests and flows
  std::vector<std::string> feeds;   // each flow instance takes one row of each
  std::vector<std::pair<std::string, std::string>> vars;  // starting values
  std::vector<StepSpec> steps;
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

// load.search: the highest level (rate, or users) at which every SLO holds, found by trials
// (harness/run/capacity_search.hpp).
struct SearchSpec {
  double from = 0;           // the first trial's level
  double max = 0;            // no trial above it
  Nanos step{0};             // each trial's length
  double precision = 0.05;   // stop when (lowest failing - highest passing) / highest passing is below
  Nanos confirm{0};          // the final trial's length, at the highest passing level
  double growth = 2;         // the factor from one passing trial to the next, until one fails
  Nanos warmup{0};           // each trial's leading time left out of its judgement
  Nanos cooldown{0};         // a pause between trials, for the target to settle
  SourceLocation where;
};

// How many redirects a request follows when the scenario does not say: k6's default, and
// Vegeta's and hey's (Go's HTTP client stops after 10).
constexpr int kDefaultMaxRedirects = 10;

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
  // A capacity search instead of a fixed profile: then `stages` holds the first trial's.
  std::optional<SearchSpec> search;
  // Redirects each request follows unless it gives its own max_redirects (0: not followed).
  int max_redirects = kDefaultMaxRedirects;
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

// target.tls: how an https:// target is trusted. Verification is on unless turned off.
struct TlsSpec {
  bool verify = true;
  std::string ca_file;      // PEM; "": the system's CA store
  std::string cert;         // PEM client certificate (mutual TLS), with key
  std::string key;
  std::string server_name;  // SNI and the name the certificate must carry; "": the URL's host
  SourceLocation where;
};

// Which HTTP the client speaks (target.http).
enum class HttpVersion {
  kAuto,   // https: ALPN offers h2 and http/1.1, the server chooses; http: HTTP/1.1
  kHttp1,  // "1.1": HTTP/1.1 only
  kHttp2,  // "2": h2 via ALPN on https (refused if the server does not agree), h2c with prior knowledge on http
};

struct TargetSpec {
  Template base_url;                // "http://127.0.0.1:${port}"
  std::optional<StartSpec> start;
  TlsSpec tls;
  HttpVersion http = HttpVersion::kAuto;
  int max_streams = 0;              // HTTP/2 streams per connection at most; 0: as the server allows
};

// One readiness phase of a start-up, timed from the spawn.
enum class PhaseKind {
  kTcp,   // the port accepts a connection
  kHttp,  // GET of a path answers 2xx
  kLog,   // a line matching a regex appears on stdout or stderr
};

struct PhaseSpec {
  std::string name;                 // unique; SLOs say startup.<name>.p99
  PhaseKind kind = PhaseKind::kHttp;
  // tcp: "${port}" (the target's port) or a fixed port number; http: the path ("/up");
  // log: an ECMAScript regex, already checked to compile.
  std::string target;
  SourceLocation where;
};

// A group of runs compared with the others: the common command with `args` appended and
// `env` added (e.g. --startup sequential vs --startup staged).
struct StartupVariant {
  std::string name;
  std::vector<Template> args;       // may keep ${port}
  std::map<std::string, std::string> env;  // values in ${...} source form (may use ${port})
  SourceLocation where;
};

// The startup probe: spawn the target `runs` times afresh and time each phase.
struct StartupSpec {
  int runs = 10;                    // per variant
  std::vector<Template> command;    // argv; may keep ${port}
  std::vector<Template> before_each;  // run to completion before every start; empty: none
  std::map<std::string, std::string> env;  // values in ${...} source form (may use ${port})
  std::vector<PhaseSpec> phases;    // at least one, in declared order
  std::vector<StartupVariant> variants;  // empty: one group; else runs alternate between them
  Nanos timeout = std::chrono::seconds(30);    // per run: spawn to the last phase
  Nanos stop_grace = std::chrono::seconds(5);  // SIGTERM, then SIGKILL after this
  std::optional<int> port;          // fixed; else picked (${port} in command) or learned
  SourceLocation where;
};

// probes.resources: sampling the target's CPU, RSS, threads and fds (and loadgen's own).
struct ResourcesSpec {
  bool enabled = true;              // on whenever there is a target process to watch
  Nanos interval = std::chrono::milliseconds(100);
  std::optional<std::string> pid_file;  // a target loadgen did not start
  SourceLocation where;
};

// probes.metrics: scraping the target's Prometheus / OpenMetrics endpoint during the run.
struct MetricsSpec {
  // A path on the target's base URL ("/metrics") or a whole http(s) URL; may use ${port}.
  Template url;
  Nanos interval = std::chrono::seconds(1);
  Nanos timeout = std::chrono::seconds(1);  // per scrape; at most the interval
  // Series to keep, as `name` or `name{label="value",...}` (checked); empty: every series the
  // SLOs name, or with no target.metric SLO every series up to max_series.
  std::vector<std::string> select;
  int max_series = 200;
  SourceLocation where;
};

// probes.profile: perf on the target during chosen stages, folded into flame graphs.
struct ProfileStage {
  std::string name;
  SourceLocation where;
};
struct ProfileSpec {
  bool all_stages = false;           // stages: all
  std::vector<ProfileStage> stages;  // named stages of load.stages
  int frequency = 99;                // samples per second (perf record -F)
  std::string call_graph = "fp";     // fp (frame pointers) | dwarf
  bool self = false;                 // profile loadgen too
  SourceLocation where;
};

struct ProbesSpec {
  ResourcesSpec resources;
  std::optional<MetricsSpec> metrics;
  std::optional<ProfileSpec> profile;
};

struct SloSpec {
  std::string expression;           // "http.p99 < 200ms"; parsed by slo::parse
  SourceLocation where;
};

struct Scenario {
  std::string name;
  std::string file;                 // path as given
  // A start-up-only scenario has `startup` and no load: then target, load and requests are
  // empty (has_load() is false). Otherwise all three are given.
  TargetSpec target;
  LoadSpec load;
  std::vector<RequestSpec> requests;
  std::vector<FlowSpec> flows;      // multi-step journeys, mixed with requests by weight
  std::vector<FeedSpec> feeds;
  std::optional<StartupSpec> startup;
  ProbesSpec probes;
  bool has_load() const { return !requests.empty() || !flows.empty(); }
  std::vector<SloSpec> slos;
  std::optional<BaselineSpec> baseline;
  std::string report_dir;           // "" : reports/out/<name>
  std::string resolved_yaml;        // the scenario as it ran (after --set), for reports
};

}  // namespace loadgen::scenario
