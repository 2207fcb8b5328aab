#include <algorithm>
#include <array>
#include <regex>

#include <fmt/format.h>

#include "harness/scenario/sections.hpp"

// startup: the target spawned `runs` times afresh, each readiness phase timed from the spawn.
namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 9> kStartupKeys = {
    "runs", "command", "before_each", "env", "port", "phases", "variants", "timeout", "stop_grace"};
constexpr std::array<std::string_view, 4> kPhaseKeys = {"name", "tcp", "http", "log"};
constexpr std::array<std::string_view, 3> kVariantKeys = {"name", "args", "env"};
constexpr std::array<std::string_view, 3> kPhaseKinds = {"tcp", "http", "log"};
constexpr int64_t kMaxRuns = 100'000;

// A phase's or a variant's name: unique among its kind, and usable in SLOs.
std::optional<std::string> read_name(Reader& r, const Fields& fields, const Field& item,
                                     std::string_view what, std::vector<std::string>& seen) {
  const auto* f = fields.find("name");
  if (!f) {
    r.error(r.where(item.value), fmt::format("a {} needs name:", what));
    return std::nullopt;
  }
  auto name = r.text(*f);
  if (!name)
    return std::nullopt;
  if (!is_metric_name(*name)) {
    r.error(*f, fmt::format("a {} name starts with a letter or '_' and holds letters, digits, "
                            "'_' and '-' (SLOs use it), not '{}'",
                            what, *name));
    return std::nullopt;
  }
  if (std::find(seen.begin(), seen.end(), *name) != seen.end()) {
    r.error(*f, fmt::format("{} '{}' is given twice", what, *name));
    return std::nullopt;
  }
  seen.push_back(*name);
  return name;
}

std::optional<std::string> read_tcp(Reader& r, const Field& field) {
  auto raw = r.scalar(field);
  if (raw && *raw == "${port}")
    return raw;
  if (!raw)
    return std::nullopt;
  auto port = r.whole(field, 1, 65535);
  return port ? std::optional<std::string>(std::to_string(*port)) : std::nullopt;
}

std::optional<std::string> read_http(Reader& r, const Field& field) {
  auto path = r.text(field);
  if (path && !path->starts_with('/')) {
    r.error(field, fmt::format("http is a path starting with '/', not '{}'", *path));
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> read_log(Reader& r, const Field& field) {
  auto pattern = r.text(field);
  if (!pattern)
    return std::nullopt;
  try {
    std::regex compiled(*pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    r.error(field, fmt::format("log: '{}' is not a regular expression: {}", *pattern, e.what()));
    return std::nullopt;
  }
  return pattern;
}

// Exactly one of tcp:, http:, log:, and what it says.
std::optional<std::pair<PhaseKind, std::string>> read_detector(Reader& r, const Fields& fields,
                                                               const Field& item) {
  std::vector<const Field*> given;
  for (auto kind : kPhaseKinds) {
    if (const auto* f = fields.find(kind))
      given.push_back(f);
  }
  if (given.size() != 1) {
    r.error(given.empty() ? r.where(item.value) : r.key_where(*given[1]),
            given.empty() ? "a phase needs one of tcp: \"${port}\", http: /path or log: regex"
                          : "a phase is detected one way: give one of tcp:, http: and log:");
    return std::nullopt;
  }
  const Field& f = *given.front();
  const auto kind = f.name == "tcp"    ? PhaseKind::kTcp
                    : f.name == "http" ? PhaseKind::kHttp
                                       : PhaseKind::kLog;
  auto target = kind == PhaseKind::kTcp    ? read_tcp(r, f)
                : kind == PhaseKind::kHttp ? read_http(r, f)
                                           : read_log(r, f);
  if (!target)
    return std::nullopt;
  return std::pair{kind, std::move(*target)};
}

std::vector<PhaseSpec> read_phases(Reader& r, const Field& field) {
  std::vector<PhaseSpec> phases;
  auto items = r.sequence(field, "phase");
  if (!items)
    return phases;
  if (items->empty())
    r.error(field, "phases is empty: give at least one, e.g. - { name: ready, http: /up }");
  std::vector<std::string> names;
  for (const auto& item : *items) {
    auto fields = r.mapping(item, "in a phase", kPhaseKeys);
    if (!fields)
      continue;
    auto name = read_name(r, *fields, item, "phase", names);
    auto detector = read_detector(r, *fields, item);
    if (name && detector)
      phases.push_back({*name, detector->first, detector->second, r.where(item.value)});
  }
  return phases;
}

std::vector<StartupVariant> read_variants(Reader& r, const Field& field) {
  std::vector<StartupVariant> variants;
  auto items = r.sequence(field, "variant");
  if (!items)
    return variants;
  std::vector<std::string> names;
  for (const auto& item : *items) {
    auto fields = r.mapping(item, "in a variant", kVariantKeys);
    if (!fields)
      continue;
    StartupVariant variant;
    variant.where = r.where(item.value);
    auto name = read_name(r, *fields, item, "variant", names);
    if (const auto* f = fields->find("args"))
      variant.args = read_argv(r, *f, Dynamic::kPort, false);
    if (const auto* f = fields->find("env"))
      variant.env = read_env(r, *f);
    if (name) {
      variant.name = *name;
      variants.push_back(std::move(variant));
    }
  }
  return variants;
}

void read_options(Reader& r, const Fields& fields, StartupSpec& s) {
  if (const auto* f = fields.find("runs"))
    s.runs = static_cast<int>(r.whole(*f, 1, kMaxRuns).value_or(s.runs));
  if (const auto* f = fields.find("before_each"))
    s.before_each = read_argv(r, *f, Dynamic::kNone, true);
  if (const auto* f = fields.find("env"))
    s.env = read_env(r, *f);
  if (const auto* f = fields.find("port")) {
    if (auto port = r.whole(*f, 1, 65535))
      s.port = static_cast<int>(*port);
  }
  if (const auto* f = fields.find("variants"))
    s.variants = read_variants(r, *f);
  if (const auto* f = fields.find("timeout"))
    s.timeout = r.duration(*f, Sign::kPositive).value_or(s.timeout);
  if (const auto* f = fields.find("stop_grace"))
    s.stop_grace = r.duration(*f, Sign::kNonNegative).value_or(s.stop_grace);
}

}  // namespace

StartupSpec read_startup(Reader& r, const Field& field) {
  StartupSpec s;
  s.where = r.where(field.value);
  auto fields = r.mapping(field, "in startup", kStartupKeys);
  if (!fields)
    return s;
  if (const auto* f = fields->find("command")) {
    s.command = read_argv(r, *f, Dynamic::kPort, true);
  } else {
    r.error(r.key_where(field), "startup needs command: [program, arg, ...]");
  }
  if (const auto* f = fields->find("phases")) {
    s.phases = read_phases(r, *f);
  } else {
    r.error(r.key_where(field), "startup needs phases: (e.g. - { name: ready, http: /up })");
  }
  read_options(r, *fields, s);
  return s;
}

}  // namespace loadgen::scenario
