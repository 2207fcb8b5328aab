#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "harness/http/types.hpp"
#include "harness/scenario/scenario.hpp"

namespace loadgen::load {

class FlowVars;

// Picks what to send (by weight: a request, or a flow when the index is past the requests)
// and renders requests, filling the per-request variables ${seq}, ${uuid}, ${vu} and
// ${now_ms} (and a flow's own). One per worker thread: it owns a random generator.
class RequestBuilder {
 public:
  RequestBuilder(const std::vector<scenario::RequestSpec>& specs, const http::Endpoint& endpoint, uint64_t seed,
                 std::vector<double> flow_weights = {});

  // In [0, requests + flows); only what is not disabled.
  size_t pick();
  // Leaves a flow whose feed ran out (at_end: stop) out of later picks.
  void disable(size_t index);
  bool all_disabled() const { return enabled_weight_ <= 0; }
  bool is_flow(size_t index) const { return index >= specs_.size(); }
  // A request without variables comes with its bytes already written (Request::wire), as
  // wrk does: rendering and serialising the same request again was a tenth of the client's
  // user time per request.
  http::Request build(size_t index, uint64_t seq, uint64_t vu);
  http::Request build_step(const scenario::RequestSpec& spec, uint64_t seq, uint64_t vu, const FlowVars& vars);
  // `request` (built from `spec`) with its headers and body, also when it came as prepared
  // bytes: what a redirect sends on with a new target (and perhaps a new method).
  http::Request unprepared(const http::Request& request, const scenario::RequestSpec& spec);
  std::mt19937_64& rng() { return rng_; }

 private:
  std::string uuid();
  void sum_weights();

  const std::vector<scenario::RequestSpec>& specs_;
  std::string base_path_;
  std::vector<std::optional<std::string>> wire_;  // by request: its bytes, if it never changes
  std::vector<std::optional<http::Request>> prepared_;  // the same for HTTP/2, as a request
  std::vector<double> weights_;
  std::vector<double> cumulative_weights_;
  double enabled_weight_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace loadgen::load
