#include <array>

#include <fmt/format.h>

#include "harness/scenario/sections.hpp"
#include "harness/slo/tolerance.hpp"

// baseline: { file: reports/baselines/smoke.json, tolerance: { p99: 10%, rps: 5% } }
namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 2> kBaselineKeys = {"file", "tolerance"};
constexpr std::array<std::string_view, 4> kToleranceKeys = {"p50", "p99", "rps", "error_rate"};

}  // namespace

BaselineSpec read_baseline(Reader& r, const Field& field) {
  BaselineSpec spec;
  auto fields = r.mapping(field, "in baseline", kBaselineKeys);
  if (!fields)
    return spec;
  if (const auto* f = fields->find("file")) {
    auto text = r.text(*f);
    if (text && text->empty())
      r.error(*f, "file is empty");
    if (text)
      spec.file = *text;
  } else {
    r.error(field, "baseline needs a file: (a baseline, result.json or report directory)");
  }
  if (const auto* f = fields->find("tolerance")) {
    auto metrics = r.mapping(*f, "in baseline.tolerance", kToleranceKeys);
    for (const std::string_view metric : kToleranceKeys) {
      const auto* m = metrics ? metrics->find(metric) : nullptr;
      if (!m)
        continue;
      auto text = r.text(*m);
      if (!text)
        continue;
      auto value = slo::parse_tolerance(*text);
      if (!value) {
        r.error(*m, fmt::format("{}: {}", metric, value.error()));
        continue;
      }
      spec.tolerance[std::string(metric)] = *value;
    }
  }
  return spec;
}

}  // namespace loadgen::scenario
