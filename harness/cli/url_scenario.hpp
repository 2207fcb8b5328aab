#pragma once

#include <string>
#include <vector>

#include "harness/core/expected.hpp"

// `loadgen run URL -R 100 -d 30s ...`: the flags people bring from wrk2, oha, hey and Vegeta,
// turned into the scenario a file would give (as YAML text, which --save-scenario keeps to grow
// from), so a URL run goes through the same loader, engine and reports.
namespace loadgen::cli {

struct UrlFlags {
  std::string url;
  std::string rate;         // -R/--rate: the open model
  int users = 0;            // -u/--users: the closed model
  std::string duration;     // -d/--duration
  int connections = 0;      // -c/--connections (shared by requests, or by users)
  std::string http;         // --http: 2, 1.1 or auto
  int max_streams = 0;      // --max-streams
  std::string method;       // -m/--method
  std::vector<std::string> headers;  // -H "Name: value"
  std::string body;         // --body
  std::string json;         // --json
  std::string timeout;      // --timeout
  std::vector<std::string> slos;     // --slo
  std::string ramp;         // --ramp: a linear ramp from 0 before the hold
  int max_redirects = -1;   // --max-redirects: -1 keeps the default (10)
  std::string save_scenario;
  // Whether any of the URL-only flags was given (they make no sense with a scenario file).
  std::string first_url_flag() const;
};

bool is_url(const std::string& argument);

// The scenario for these flags, or what is wrong, naming the flag: "-R/--rate: 'fast' is not a
// rate (e.g. 100, 1.5k, 6000/m)".
core::Expected<std::string> url_scenario_yaml(const UrlFlags& flags);

}  // namespace loadgen::cli
