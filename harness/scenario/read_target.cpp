#include <algorithm>
#include <array>

#include <filesystem>

#include <fmt/format.h>

#include "harness/core/base_url.hpp"
#include "harness/scenario/sections.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 5> kTargetKeys = {"base_url", "start", "tls", "http", "max_streams"};
constexpr std::array<std::string_view, 5> kTlsKeys = {"verify", "ca_file", "cert", "key", "server_name"};
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

// A file the run will read: it must be there now, so the error has a line and column.
std::string read_tls_file(Reader& r, const Field& field) {
  auto path = r.text(field);
  if (!path) return {};
  std::error_code ec;
  if (path->empty() || !std::filesystem::is_regular_file(*path, ec)) {
    r.error(field, fmt::format("target.tls.{}: no such file '{}'", field.name, *path));
    return {};
  }
  return *path;
}

TlsSpec read_tls(Reader& r, const Field& field) {
  TlsSpec tls;
  tls.where = r.where(field.value);
  auto fields = r.mapping(field, "in target.tls", kTlsKeys);
  if (!fields) return tls;
  if (const auto* f = fields->find("verify")) {
    auto text = r.text(*f);
    if (text && (*text == "true" || *text == "false")) tls.verify = *text == "true";
    else if (text) r.error(*f, fmt::format("verify is true or false, not '{}'", *text));
  }
  if (const auto* f = fields->find("ca_file")) tls.ca_file = read_tls_file(r, *f);
  if (const auto* f = fields->find("cert")) tls.cert = read_tls_file(r, *f);
  if (const auto* f = fields->find("key")) tls.key = read_tls_file(r, *f);
  if (fields->has("cert") != fields->has("key")) {
    r.error(field, "target.tls: mutual TLS needs both cert: and key:");
  }
  if (const auto* f = fields->find("server_name")) {
    if (auto name = r.text(*f)) tls.server_name = *name;
  }
  if (!tls.verify && !tls.ca_file.empty()) r.error(field, "target.tls: ca_file is for verification, which verify: false turns off");
  return tls;
}

TargetSpec read_target(Reader& r, const Field& field) {
  TargetSpec target;
  auto fields = r.mapping(field, "in target", kTargetKeys);
  if (!fields)
    return target;
  const auto* start = fields->find("start");
  if (start)
    target.start = read_start(r, *start);
  if (const auto* f = fields->find("tls"))
    target.tls = read_tls(r, *f);
  if (const auto* f = fields->find("http")) {
    auto text = r.text(*f);
    if (text && (*text == "2" || *text == "2.0" || *text == "h2")) {
      target.http = HttpVersion::kHttp2;
    } else if (text && (*text == "1.1" || *text == "http/1.1")) {
      target.http = HttpVersion::kHttp1;
    } else if (text && *text == "auto") {
      target.http = HttpVersion::kAuto;
    } else if (text) {
      r.error(*f, fmt::format("target.http is \"2\", \"1.1\" or auto, not '{}'", *text));
    }
  }
  if (const auto* f = fields->find("max_streams")) {
    // RFC 9113 caps a connection's concurrent streams at 2^31 - 1; more than 10,000 is a typo.
    if (auto n = r.whole(*f, 1, 10000)) target.max_streams = static_cast<int>(*n);
  }
  if (const auto* f = fields->find("base_url")) {
    target.base_url = read_base_url(r, *f, start != nullptr);
  } else {
    r.error(r.key_where(field), "target needs base_url: (e.g. http://127.0.0.1:8080)");
  }
  return target;
}

}  // namespace loadgen::scenario
