#include <array>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/scenario/sections.hpp"
#include "probes/prometheus_math.hpp"

// probes: how the target's process is watched during a load run.
namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 3> kProbesKeys = {"resources", "metrics", "profile"};
constexpr std::array<std::string_view, 4> kProfileKeys = {"stages", "frequency", "call_graph", "self"};
constexpr std::array<std::string_view, 5> kMetricsKeys = {"url", "interval", "timeout", "select", "max_series"};
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

Template read_metrics_url(Reader& r, const Field& field) {
  auto url = r.templ(field, Dynamic::kPort);
  if (!url) return {};
  const auto text = url->text();
  if (!text.starts_with("/") && !text.starts_with("http://") && !text.starts_with("https://")) {
    r.error(field, fmt::format("url is a path on the target's base URL (/metrics) or an http:// URL, not '{}'", text));
  }
  return std::move(*url);
}

std::vector<std::string> read_select(Reader& r, const Field& field) {
  std::vector<std::string> out;
  auto items = r.sequence(field, "metric selector");
  if (!items) return out;
  for (const auto& item : *items) {
    auto text = r.text(item);
    if (!text) continue;
    if (auto sel = probes::parse_selector(*text); !sel) {
      r.error(item, fmt::format("select: {}", sel.error()));
      continue;
    }
    out.push_back(*text);
  }
  return out;
}

MetricsSpec read_metrics(Reader& r, const Field& field) {
  MetricsSpec spec;
  spec.where = r.where(field.value);
  auto fields = r.mapping(field, "in probes.metrics", kMetricsKeys);
  if (!fields) return spec;
  if (const auto* f = fields->find("url")) {
    spec.url = read_metrics_url(r, *f);
  } else {
    r.error(field, "probes.metrics needs url: (e.g. url: /metrics)");
  }
  if (const auto* f = fields->find("interval")) {
    if (auto interval = r.duration(*f, Sign::kPositive); interval && *interval < std::chrono::milliseconds(100)) {
      r.error(*f, "interval must be at least 100ms (a scrape is a whole exposition, parsed)");
    } else if (interval) {
      spec.interval = *interval;
    }
  }
  spec.timeout = std::min<Nanos>(spec.interval, std::chrono::seconds(5));
  if (const auto* f = fields->find("timeout")) {
    if (auto timeout = r.duration(*f, Sign::kPositive); timeout && *timeout > spec.interval) {
      r.error(*f, fmt::format("timeout must be at most the interval ({})", core::format_duration(spec.interval)));
    } else if (timeout) {
      spec.timeout = *timeout;
    }
  }
  if (const auto* f = fields->find("select")) spec.select = read_select(r, *f);
  if (const auto* f = fields->find("max_series")) {
    if (auto n = r.whole(*f, 1, 100'000)) spec.max_series = static_cast<int>(*n);
  }
  return spec;
}

ProfileSpec read_profile(Reader& r, const Field& field) {
  ProfileSpec spec;
  spec.where = r.where(field.value);
  auto fields = r.mapping(field, "in probes.profile", kProfileKeys);
  if (!fields) return spec;
  if (const auto* f = fields->find("stages")) {
    if (f->value.IsScalar()) {
      auto text = r.text(*f);
      if (text && *text == "all") spec.all_stages = true;
      else if (text) r.error(*f, fmt::format("stages is a list of stage names or all, not '{}'", *text));
    } else if (auto items = r.sequence(*f, "stage name")) {
      for (const auto& item : *items) {
        if (auto name = r.text(item)) spec.stages.push_back({*name, r.where(item.value)});
      }
      if (spec.stages.empty()) r.error(*f, "stages lists no stage (give names, or all)");
    }
  } else {
    r.error(field, "probes.profile needs stages: (a list of stage names, or all)");
  }
  if (const auto* f = fields->find("frequency")) {
    // perf's own ceiling is kernel.perf_event_max_sample_rate (usually 100000); past a few
    // thousand a second the profiler costs more than it shows.
    if (auto n = r.whole(*f, 1, 10'000)) spec.frequency = static_cast<int>(*n);
  }
  if (const auto* f = fields->find("call_graph")) {
    auto text = r.text(*f);
    if (text && *text != "fp" && *text != "dwarf") {
      r.error(*f, fmt::format("call_graph is fp (frame pointers) or dwarf, not '{}'", *text));
    } else if (text) {
      spec.call_graph = *text;
    }
  }
  if (const auto* f = fields->find("self")) spec.self = read_bool(r, *f).value_or(false);
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
  if (const auto* f = fields->find("metrics"))
    probes.metrics = read_metrics(r, *f);
  if (const auto* f = fields->find("profile"))
    probes.profile = read_profile(r, *f);
  return probes;
}

}  // namespace loadgen::scenario
