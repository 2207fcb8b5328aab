#include "targets/refserver/query.hpp"

#include <fmt/format.h>

#include "targets/refserver/text.hpp"

namespace loadgen::refserver {

core::Expected<QueryParams> QueryParams::parse(std::string_view query) {
  QueryParams result;
  if (query.empty())
    return result;
  for (auto pair : split(query, '&')) {
    if (pair.empty())
      continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) {
      return core::Expected<QueryParams>::failure(
          fmt::format("malformed percent-escape in query parameter '{}'", pair.substr(0, eq)));
    }
    result.params_.emplace_back(std::move(*name), std::move(*value));
  }
  return result;
}

std::optional<std::string_view> QueryParams::get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name)
      return std::string_view(value);
  }
  return std::nullopt;
}

core::Expected<std::int64_t> int_param(const QueryParams& params, std::string_view name,
                                       std::int64_t fallback, std::int64_t min, std::int64_t max) {
  const auto raw = params.get(name);
  if (!raw || trim(*raw).empty())
    return fallback;
  const auto value = parse_int(*raw);
  if (!value || *value < min || *value > max) {
    return core::Expected<std::int64_t>::failure(fmt::format(
        "query parameter '{}' must be an integer in {}..{}, got '{}'", name, min, max, *raw));
  }
  return *value;
}

}  // namespace loadgen::refserver
