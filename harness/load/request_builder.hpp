#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "harness/http/types.hpp"
#include "harness/scenario/scenario.hpp"

namespace loadgen::load {

// Picks which request to send (by weight) and renders it, filling the per-request variables
// ${seq}, ${uuid}, ${vu} and ${now_ms}. One per worker thread: it owns a random generator.
class RequestBuilder {
 public:
  RequestBuilder(const std::vector<scenario::RequestSpec>& specs, std::string base_path, uint64_t seed);

  size_t pick();
  http::Request build(size_t index, uint64_t seq, uint64_t vu);

 private:
  std::string uuid();

  const std::vector<scenario::RequestSpec>& specs_;
  std::string base_path_;
  std::vector<double> cumulative_weights_;
  std::mt19937_64 rng_;
};

}  // namespace loadgen::load
