#include <unordered_map>
#include <algorithm>
#include <array>
#include <cctype>
#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/scenario/sections.hpp"
#include "harness/scenario/yaml_json.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, kRequestKeyCount> kRequestKeys = {
    "name",   "weight", "get",     "post", "put",  "patch",   "delete", "head",
    "method", "path",   "headers", "json", "body", "timeout", "check",  "max_redirects"};
constexpr std::array<std::string_view, 6> kMethodKeys = {"get",   "post",   "put",
                                                         "patch", "delete", "head"};
constexpr std::array<std::string_view, 7> kMethods = {"GET",    "POST", "PUT",    "PATCH",
                                                      "DELETE", "HEAD", "OPTIONS"};
// Metric names of their own in SLOs; a request may not take them.
constexpr std::array<std::string_view, 5> kReservedNames = {"http", "send_lag", "startup", "target",
                                                            "capacity"};

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool is_token(std::string_view s) {
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

std::optional<Template> read_path(Reader& r, const Field& field, Dynamic allowed) {
  auto path = r.templ(field, allowed);
  // A flow step may send to a URL it extracted (a Location header): "${job}".
  const bool from_variable = allowed == Dynamic::kFlow && path && path->text().starts_with("${");
  if (path && !path->text().starts_with('/') && !from_variable) {
    r.error(field, fmt::format("the path must start with '/', not '{}'", path->text()));
    return std::nullopt;
  }
  return path;
}

std::optional<std::string> read_method(Reader& r, const Field& field) {
  auto text = r.text(field);
  if (!text)
    return std::nullopt;
  const auto method = upper(*text);
  if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
    r.error(field, fmt::format("method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, "
                               "OPTIONS, not '{}'",
                               *text));
    return std::nullopt;
  }
  return method;
}

struct MethodAndPath {
  std::string method = "GET";
  Template path;
};

// `get: /path` (or post:, put: ...) or `method:` + `path:`; exactly one way, once.
MethodAndPath read_method_and_path(Reader& r, const Fields& fields, const Field& item,
                                   Dynamic allowed) {
  MethodAndPath out;
  std::vector<const Field*> shorthand;
  for (auto key : kMethodKeys) {
    if (const auto* f = fields.find(key))
      shorthand.push_back(f);
  }
  const auto* method = fields.find("method");
  const auto* path = fields.find("path");
  if (shorthand.size() > 1) {
    r.error(r.key_where(*shorthand[1]), fmt::format("give one method per request ({}: and {}:)",
                                                    shorthand[0]->name, shorthand[1]->name));
  }
  if (!shorthand.empty() && (method || path)) {
    r.error(r.key_where(method ? *method : *path),
            fmt::format("give either {}: or method: + path:, not both", shorthand[0]->name));
  }
  if (!shorthand.empty()) {
    out.method = upper(shorthand[0]->name);
    if (auto p = read_path(r, *shorthand[0], allowed))
      out.path = std::move(*p);
  } else if (method && path) {
    out.method = read_method(r, *method).value_or(out.method);
    if (auto p = read_path(r, *path, allowed))
      out.path = std::move(*p);
  } else if (method || path) {
    r.error(r.key_where(method ? *method : *path),
            method ? "method: needs path: beside it" : "path: needs method: beside it");
  } else {
    r.error(item,
            "request has no method: give one of get:, post:, put:, patch:, delete:, head:, "
            "or method: + path:");
  }
  return out;
}

std::vector<Header> read_headers(Reader& r, const Field& field, Dynamic allowed) {
  std::vector<Header> headers;
  if (!field.value.IsMap()) {
    r.error(field,
            fmt::format("headers must be a mapping (Name: value), not {}", describe(field.value)));
    return headers;
  }
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    const Field name_field{"header name", it->first, it->first};
    auto name = r.scalar(name_field);
    if (name && !is_token(*name)) {
      r.error(name_field, fmt::format("'{}' is not a valid header name", *name));
      name.reset();
    }
    auto value =
        r.templ({"header " + name.value_or("value"), it->first, it->second}, allowed);
    if (name && value)
      headers.push_back({*name, std::move(*value)});
  }
  return headers;
}

bool has_header(const std::vector<Header>& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const Header& h) { return upper(h.name) == upper(std::string(name)); });
}

struct Body {
  std::optional<Template> text;
  bool is_json = false;
};

// `json:` (any YAML, sent as JSON) or `body:` (raw text), not both.
Body read_body(Reader& r, const Fields& fields, Dynamic allowed) {
  const auto* json = fields.find("json");
  const auto* body = fields.find("body");
  if (json && body)
    r.error(r.key_where(*body), "give either json: or body:, not both");
  if (body)
    return {r.templ(*body, allowed), false};
  if (!json)
    return {};
  auto value = to_json(r, *json, allowed);
  if (!value)
    return {};
  const auto text = value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto parsed = Template::parse(text);
  if (!parsed) {
    r.error(*json, fmt::format("json: {}", parsed.error()));
    return {};
  }
  return {std::move(*parsed), true};
}

}  // namespace

std::string read_metric_name(Reader& r, const Field& field, std::string_view what) {
  auto name = r.text(field);
  if (!name)
    return {};
  if (!is_metric_name(*name)) {
    r.error(field, fmt::format("{} name '{}' must be letters, digits, _ and -, starting with "
                               "a letter or _, so that SLOs can name it",
                               what, *name));
  } else if (std::find(kReservedNames.begin(), kReservedNames.end(), *name) !=
             kReservedNames.end()) {
    r.error(field, fmt::format("'{}' is a metric of its own in SLOs; give the {} another "
                               "name",
                               *name, what));
  }
  return *name;
}

std::span<const std::string_view> request_keys() { return kRequestKeys; }

RequestSpec read_request_fields(Reader& r, const Field& item, const Fields& fields_in,
                                Dynamic allowed, std::string_view what) {
  RequestSpec spec;
  spec.where = r.where(item.value);
  const auto* fields = &fields_in;
  auto target = read_method_and_path(r, *fields, item, allowed);
  spec.method = std::move(target.method);
  spec.path = std::move(target.path);
  if (const auto* f = fields->find("headers"))
    spec.headers = read_headers(r, *f, allowed);
  auto body = read_body(r, *fields, allowed);
  spec.body = std::move(body.text);
  if (body.is_json && !has_header(spec.headers, "Content-Type")) {
    spec.headers.push_back({"Content-Type", Template::literal("application/json")});
  }
  if (const auto* f = fields->find("weight"))
    spec.weight = r.number(*f, Sign::kPositive).value_or(1.0);
  if (const auto* f = fields->find("timeout")) {
    spec.timeout = r.duration(*f, Sign::kPositive).value_or(spec.timeout);
  }
  if (const auto* f = fields->find("check"))
    spec.check = read_check(r, *f);
  if (const auto* f = fields->find("max_redirects")) {
    if (auto n = r.whole(*f, 0, kMaxRedirectsLimit))
      spec.max_redirects = static_cast<int>(*n);
  }
  if (const auto* f = fields->find("name")) {
    spec.name = read_metric_name(r, *f, what);
  } else if (const auto path = spec.path.text(); !path.empty()) {
    spec.name = spec.method + " " + path.substr(0, path.find('?'));
  }
  return spec;
}

namespace {

RequestSpec read_request(Reader& r, const Field& item) {
  auto fields = r.mapping(item, "in a request", kRequestKeys);
  if (!fields) {
    RequestSpec spec;
    spec.where = r.where(item.value);
    return spec;
  }
  return read_request_fields(r, item, *fields, Dynamic::kRequest, "request");
}

}  // namespace

bool is_metric_name(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s.front())) || s.front() == '_')) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::vector<RequestSpec> read_requests(Reader& r, const Field& field) {
  auto items = r.sequence(field, "request");
  if (!items)
    return {};
  if (items->empty())
    r.error(field, "requests is empty: give at least one request");
  std::vector<RequestSpec> requests;
  // Name to the line it was first given at: loading stays linear in the number of requests.
  std::unordered_map<std::string, int> first_line;
  for (const auto& item : *items) {
    auto spec = read_request(r, item);
    if (!spec.name.empty()) {
      const auto [earlier, fresh] = first_line.try_emplace(spec.name, spec.where.line);
      if (!fresh) {
        r.error(spec.where, fmt::format("request name '{}' is used twice (first at line {}); give "
                                        "each request its own name:",
                                        spec.name, earlier->second));
      }
    }
    requests.push_back(std::move(spec));
  }
  return requests;
}

}  // namespace loadgen::scenario
