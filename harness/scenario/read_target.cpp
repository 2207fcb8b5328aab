#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "harness/core/base_url.hpp"
#include "harness/scenario/sections.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 2> kTargetKeys = {"base_url", "start"};
constexpr std::array<std::string_view, 6> kStartKeys = {"command",    "ready", "timeout",
                                                        "stop_grace", "port",  "env"};

bool uses_port(const Template& t) {
  for (const auto& v : t.variables()) {
    if (v == "port")
      return true;
  }
  return false;
}

StartSpec read_start(Reader& r, const Field& field) {
  StartSpec start;
  start.where = r.where(field.value);
  auto fields = r.mapping(field, "in target.start", kStartKeys);
  if (!fields)
    return start;
  if (const auto* f = fields->find("command")) {
    start.command = read_argv(r, *f, Dynamic::kPort, true);
  } else {
    r.error(r.key_where(field), "target.start needs command: [program, arg, ...]");
  }
  if (const auto* f = fields->find("ready")) {
    auto path = r.text(*f);
    if (path && !path->starts_with('/'))
      r.error(*f, fmt::format("ready must be a path starting with '/', not '{}'", *path));
    if (path)
      start.ready_path = *path;
  }
  if (const auto* f = fields->find("timeout"))
    start.timeout = r.duration(*f, Sign::kPositive).value_or(start.timeout);
  if (const auto* f = fields->find("stop_grace")) {
    start.stop_grace = r.duration(*f, Sign::kNonNegative).value_or(start.stop_grace);
  }
  if (const auto* f = fields->find("port")) {
    if (auto port = r.whole(*f, 1, 65535))
      start.port = static_cast<int>(*port);
  }
  if (const auto* f = fields->find("env"))
    start.env = read_env(r, *f);
  return start;
}

Template read_base_url(Reader& r, const Field& field, bool starts_target) {
  auto url = r.templ(field, Dynamic::kPort);
  if (!url)
    return {};
  const auto text = url->text();
  if (!text.starts_with("http://") && !text.starts_with("https://")) {
    r.error(field, fmt::format("base_url must start with http:// or https://, not '{}'", text));
  } else if (std::ranges::all_of(url->variables(), [](const std::string& v) { return v == "port"; })) {
    // The check `run` applies, here, located: ${port} stands for any port the target gets.
    const auto sample = url->expand([](std::string_view name) -> std::optional<std::string> {
      return name == "port" ? std::optional<std::string>("1") : std::nullopt;
    });
    if (auto parsed = core::parse_base_url(sample); !parsed) r.error(field, "base_url: " + parsed.error());
  }
  if (uses_port(*url) && !starts_target) {
    r.error(field,
            "${port} in base_url needs target.start: the port is learned from the target "
            "loadgen starts (or give --set port=N)");
  }
  return std::move(*url);
}

}  // namespace

std::vector<Template> read_argv(Reader& r, const Field& field, Dynamic allowed, bool program) {
  if (field.value.IsScalar()) {
    r.error(field, fmt::format("{} is a list of arguments: {}", field.name,
                               program ? "[program, arg, ...]" : "[arg, ...]"));
    return {};
  }
  auto items = r.sequence(field, field.name + " argument");
  if (!items)
    return {};
  if (items->empty() && program)
    r.error(field, fmt::format("{} is empty: give at least the program", field.name));
  std::vector<Template> argv;
  for (const auto& item : *items) {
    if (auto arg = r.templ(item, allowed))
      argv.push_back(std::move(*arg));
  }
  return argv;
}

std::map<std::string, std::string> read_env(Reader& r, const Field& field) {
  std::map<std::string, std::string> env;
  if (!field.value.IsMap()) {
    r.error(field,
            fmt::format("env must be a mapping (NAME: value), not {}", describe(field.value)));
    return env;
  }
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    auto name = r.scalar({"env name", it->first, it->first});
    auto value = r.templ({"env value", it->first, it->second}, Dynamic::kPort);
    // Kept in ${...} source form: ${port} is only known once the target has started.
    if (name && value)
      env[*name] = value->text();
  }
  return env;
}

TargetSpec read_target(Reader& r, const Field& field) {
  TargetSpec target;
  auto fields = r.mapping(field, "in target", kTargetKeys);
  if (!fields)
    return target;
  const auto* start = fields->find("start");
  if (start)
    target.start = read_start(r, *start);
  if (const auto* f = fields->find("base_url")) {
    target.base_url = read_base_url(r, *f, start != nullptr);
  } else {
    r.error(r.key_where(field), "target needs base_url: (e.g. http://127.0.0.1:8080)");
  }
  return target;
}

}  // namespace loadgen::scenario
