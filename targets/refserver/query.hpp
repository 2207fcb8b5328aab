#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/core/expected.hpp"

// Query-string parameters ("limit=50&cursor=abc"), decoded once.
namespace loadgen::refserver {

class QueryParams {
 public:
  // Fails, naming the parameter, when an escape is malformed.
  static core::Expected<QueryParams> parse(std::string_view query);

  // The first value of `name`; nullopt when absent.
  std::optional<std::string_view> get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

// An integer parameter in [min, max]; `fallback` when absent or empty. The error names the
// parameter and the accepted range, ready to be sent back as a 400.
core::Expected<std::int64_t> int_param(const QueryParams& params, std::string_view name,
                                       std::int64_t fallback, std::int64_t min, std::int64_t max);

}  // namespace loadgen::refserver
