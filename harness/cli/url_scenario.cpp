#include "harness/cli/url_scenario.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/core/base_url.hpp"
#include "harness/core/units.hpp"
#include "harness/slo/expression.hpp"

namespace loadgen::cli {
namespace {

using R = core::Expected<std::string>;

// A YAML double-quoted scalar: JSON's string escapes are a subset of YAML's.
std::string yaml_quoted(const std::string& text) { return nlohmann::json(text).dump(); }

constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};

}  // namespace

bool is_url(const std::string& argument) {
  return argument.starts_with("http://") || argument.starts_with("https://");
}

std::string UrlFlags::first_url_flag() const {
  if (!rate.empty()) return "-R/--rate";
  if (users > 0) return "-u/--users";
  if (!duration.empty()) return "-d/--duration";
  if (connections > 0) return "-c/--connections";
  if (!method.empty()) return "-m/--method";
  if (!headers.empty()) return "-H/--header";
  if (!body.empty()) return "--body";
  if (!json.empty()) return "--json";
  if (!timeout.empty()) return "--timeout";
  if (!slos.empty()) return "--slo";
  if (!ramp.empty()) return "--ramp";
  if (max_redirects >= 0) return "--max-redirects";
  if (!http.empty()) return "--http";
  if (max_streams > 0) return "--max-streams";
  if (!save_scenario.empty()) return "--save-scenario";
  return {};
}

core::Expected<std::string> url_scenario_yaml(const UrlFlags& f) {
  // The URL: a base (scheme, host, port) and the request's path and query.
  const auto scheme_end = f.url.find("://") + 3;
  const auto path_at = f.url.find_first_of("/?#", scheme_end);
  const std::string base = f.url.substr(0, path_at);
  std::string path = path_at == std::string::npos ? "/" : f.url.substr(path_at);
  if (path.starts_with("?")) path = "/" + path;
  if (const auto hash = path.find('#'); hash != std::string::npos) path.erase(hash);
  if (auto parsed = core::parse_base_url(base); !parsed) return R::failure(fmt::format("{}: {}", f.url, parsed.error()));

  if (!f.rate.empty() && f.users > 0) return R::failure("-R/--rate (open model) and -u/--users (closed model): give one");
  const bool open = f.users == 0;
  double rate = 0;
  if (!f.rate.empty()) {
    auto parsed = core::parse_rate(f.rate);
    if (!parsed) return R::failure(fmt::format("-R/--rate: {}", parsed.error()));
    if (*parsed <= 0) return R::failure(fmt::format("-R/--rate: '{}' must be more than 0", f.rate));
    rate = *parsed;
  }
  if (open && f.rate.empty()) return R::failure("give -R/--rate (requests per second, open model) or -u/--users (closed model)");
  const auto duration_of = [](const std::string& flag, const std::string& text) -> core::Expected<core::Nanos> {
    auto d = core::parse_duration(text);
    if (!d) return core::Expected<core::Nanos>::failure(fmt::format("{}: {}", flag, d.error()));
    if (d->count() <= 0) return core::Expected<core::Nanos>::failure(fmt::format("{}: '{}' must be longer than 0s", flag, text));
    return *d;
  };
  const std::string duration = f.duration.empty() ? "10s" : f.duration;
  if (auto d = duration_of("-d/--duration", duration); !d) return R::failure(d.error());
  if (!f.ramp.empty()) {
    if (auto d = duration_of("--ramp", f.ramp); !d) return R::failure(d.error());
  }
  if (!f.timeout.empty()) {
    if (auto d = duration_of("--timeout", f.timeout); !d) return R::failure(d.error());
  }
  if (f.connections < 0) return R::failure("-c/--connections must be at least 1");
  if (!f.body.empty() && !f.json.empty()) return R::failure("--body and --json: give one");
  std::string method = f.method.empty() ? (f.body.empty() && f.json.empty() ? "GET" : "POST") : f.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
    return R::failure(fmt::format("-m/--method: '{}' is not one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS", f.method));
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : f.headers) {
    const auto colon = h.find(':');
    std::string name = colon == std::string::npos ? "" : h.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name.empty() || name.find(' ') != std::string::npos) {
      return R::failure(fmt::format("-H/--header '{}': a header is 'Name: value'", h));
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  nlohmann::json json_body;
  if (!f.json.empty()) {
    try {
      json_body = nlohmann::json::parse(f.json);
    } catch (const nlohmann::json::parse_error& e) {
      return R::failure(fmt::format("--json: not JSON ({})", e.what()));
    }
  }
  for (const auto& s : f.slos) {
    if (auto parsed = slo::parse(s); !parsed) return R::failure(fmt::format("--slo '{}': {}", s, parsed.error()));
  }

  // The scenario, as someone would write it.
  std::string y = fmt::format("# Written by loadgen from: loadgen run {} ... (edit it to grow; `loadgen validate` checks it)\n", f.url);
  y += "name: url\n";
  y += fmt::format("target:\n  base_url: {}\n", yaml_quoted(base));
  if (!f.http.empty()) y += fmt::format("  http: {}\n", f.http == "auto" ? "auto" : yaml_quoted(f.http));
  if (f.max_streams > 0) y += fmt::format("  max_streams: {}\n", f.max_streams);
  y += fmt::format("load:\n  model: {}\n  stages:\n", open ? "arrival-rate" : "vus");
  const std::string level = open ? fmt::format("{}", rate) : std::to_string(f.users);
  if (!f.ramp.empty()) y += fmt::format("    - {{ to: {}, over: {}, name: ramp }}\n", level, f.ramp);
  y += fmt::format("    - {{ {}: {}, hold: {}, name: hold }}\n", open ? "rate" : "vus", level, duration);
  if (f.connections > 0) y += fmt::format("  connections: {}\n", f.connections);
  if (f.max_redirects >= 0) y += fmt::format("  max_redirects: {}\n", f.max_redirects);
  y += "requests:\n  - name: request\n";
  y += fmt::format("    method: {}\n    path: {}\n", method, yaml_quoted(path));
  if (!headers.empty()) {
    y += "    headers:\n";
    for (const auto& [name, value] : headers) y += fmt::format("      {}: {}\n", yaml_quoted(name), yaml_quoted(value));
  }
  if (!f.body.empty()) y += fmt::format("    body: {}\n", yaml_quoted(f.body));
  if (!f.json.empty()) y += fmt::format("    json: {}\n", json_body.dump());
  if (!f.timeout.empty()) y += fmt::format("    timeout: {}\n", f.timeout);
  if (!f.slos.empty()) {
    y += "slo:\n";
    for (const auto& s : f.slos) y += fmt::format("  - {}\n", yaml_quoted(s));
  }
  return y;
}

}  // namespace loadgen::cli
