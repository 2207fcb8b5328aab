#include <array>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/scenario/sections.hpp"

// probes: how the target's process is watched during a load run.
namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 1> kProbesKeys = {"resources"};
constexpr std::array<std::string_view, 3> kResourcesKeys = {"enabled", "interval", "pid_file"};
// /proc counts CPU time in ticks of 10ms (USER_HZ): a shorter interval only measures the tick.
constexpr Nanos kMinInterval = std::chrono::milliseconds(10);

std::optional<bool> read_bool(Reader& r, const Field& field) {
  auto text = r.text(field);
  if (!text)
    return std::nullopt;
  if (*text == "true")
    return true;
  if (*text == "false")
    return false;
  r.error(field, fmt::format("{} is true or false, not '{}'", field.name, *text));
  return std::nullopt;
}

ResourcesSpec read_resources(Reader& r, const Field& field) {
  ResourcesSpec spec;
  spec.where = r.where(field.value);
  auto fields = r.mapping(field, "in probes.resources", kResourcesKeys);
  if (!fields)
    return spec;
  if (const auto* f = fields->find("enabled"))
    spec.enabled = read_bool(r, *f).value_or(spec.enabled);
  if (const auto* f = fields->find("interval")) {
    auto interval = r.duration(*f, Sign::kPositive);
    if (interval && *interval < kMinInterval) {
      r.error(*f, fmt::format("interval must be at least {} (CPU time is counted in 10ms ticks)",
                              core::format_duration(kMinInterval)));
    } else if (interval) {
      spec.interval = *interval;
    }
  }
  if (const auto* f = fields->find("pid_file")) {
    auto path = r.text(*f);
    if (path && path->empty())
      r.error(*f, "pid_file is empty");
    if (path && !path->empty())
      spec.pid_file = *path;
  }
  return spec;
}

}  // namespace

ProbesSpec read_probes(Reader& r, const Field& field) {
  ProbesSpec probes;
  auto fields = r.mapping(field, "in probes", kProbesKeys);
  if (!fields)
    return probes;
  if (const auto* f = fields->find("resources"))
    probes.resources = read_resources(r, *f);
  return probes;
}

}  // namespace loadgen::scenario
