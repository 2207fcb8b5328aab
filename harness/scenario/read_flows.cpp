#include <algorithm>
#include <array>
#include <regex>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/scenario/sections.hpp"
#include "harness/scenario/suggest.hpp"
#include "harness/scenario/yaml_json.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 5> kFlowKeys = {"name", "weight", "feed", "vars", "steps"};
constexpr std::array<std::string_view, 6> kStepExtraKeys = {"extract", "until",  "repeat_while",
                                                            "max_repeats", "think", "since_start"};
constexpr std::array<std::string_view, 3> kExtractKeys = {"json", "header", "regex"};
constexpr std::array<std::string_view, 4> kUntilKeys = {"json", "status", "poll", "timeout"};
constexpr std::array<std::string_view, 3> kThinkKeys = {"fixed", "uniform", "exponential"};
constexpr std::array<std::string_view, 4> kBuiltins = {"uuid", "seq", "vu", "now_ms"};

bool is_variable_name(std::string_view s) {
  return is_metric_name(s) && s.find('-') == std::string_view::npos;
}

bool valid_pointer(const std::string& pointer) {
  try {
    nlohmann::json::json_pointer parsed(pointer);
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}

// name: /pointer, or name: { json: /p | header: H | regex: 'r(.)', default: v }
std::optional<Extract> read_one_extract(Reader& r, const YAML::Node& key, const YAML::Node& value) {
  Extract e;
  const Field name_field{"variable name", key, key};
  auto name = r.scalar(name_field);
  if (!name) return std::nullopt;
  if (!is_variable_name(*name)) {
    r.error(name_field, fmt::format("'{}' is not a variable name (letters, digits and _, starting "
                                    "with a letter or _)",
                                    *name));
    return std::nullopt;
  }
  if (std::find(kBuiltins.begin(), kBuiltins.end(), *name) != kBuiltins.end()) {
    r.error(name_field, fmt::format("${{{}}} is built in; extract into another name", *name));
    return std::nullopt;
  }
  e.name = *name;
  const Field field{"extract " + *name, key, value};
  if (value.IsScalar()) {
    e.source = r.text(field).value_or("");
  } else {
    std::array<std::string_view, 4> keys = {"json", "header", "regex", "default"};
    auto fields = r.mapping(field, "in extract", keys);
    if (!fields) return std::nullopt;
    const Field* from = nullptr;
    for (size_t i = 0; i < kExtractKeys.size(); ++i) {
      const auto* f = fields->find(kExtractKeys[i]);
      if (!f) continue;
      if (from) {
        r.error(r.key_where(*f), fmt::format("give one of json:, header: or regex: per value ({}: "
                                             "and {}:)",
                                             from->name, f->name));
        continue;
      }
      from = f;
      e.from = static_cast<Extract::From>(i);
    }
    if (!from) {
      r.error(field, fmt::format("extract {} needs json: (a JSON pointer), header: (a name) or "
                                 "regex: (with one group)",
                                 *name));
      return std::nullopt;
    }
    e.source = r.text(*from).value_or("");
    if (const auto* d = fields->find("default")) {
      e.fallback = d->value.IsNull() ? std::string() : r.text(*d).value_or("");
    }
  }
  const Field where{"extract " + *name, key, value};
  if (e.from == Extract::From::kJson && (!e.source.starts_with('/') || !valid_pointer(e.source))) {
    r.error(where, fmt::format("'{}' is not a JSON pointer (e.g. /id or /items/0/id); for a header "
                               "write {{header: Name}}, for a regex {{regex: '...'}}",
                               e.source));
    return std::nullopt;
  }
  if (e.from == Extract::From::kHeader && e.source.empty()) {
    r.error(where, "header: needs a header name");
    return std::nullopt;
  }
  if (e.from == Extract::From::kRegex) {
    try {
      const std::regex re(e.source, std::regex::ECMAScript);
      if (re.mark_count() != 1) {
        r.error(where, fmt::format("regex '{}' must have exactly one group (...), the value; it has "
                                   "{}",
                                   e.source, re.mark_count()));
        return std::nullopt;
      }
    } catch (const std::regex_error& err) {
      r.error(where, fmt::format("regex '{}' does not compile: {}", e.source, err.what()));
      return std::nullopt;
    }
  }
  return e;
}

std::vector<Extract> read_extract(Reader& r, const Field& field) {
  std::vector<Extract> out;
  if (!field.value.IsMap()) {
    r.error(field, fmt::format("extract must be a mapping of variable to source (id: /id), not {}",
                               describe(field.value)));
    return out;
  }
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    if (auto e = read_one_extract(r, it->first, it->second)) out.push_back(std::move(*e));
  }
  return out;
}

std::vector<int> read_statuses(Reader& r, const Field& field) {
  std::vector<int> codes;
  auto one = [&](const YAML::Node& n) {
    if (auto code = r.whole({"status", std::nullopt, n}, 100, 599)) codes.push_back(static_cast<int>(*code));
  };
  if (field.value.IsSequence()) {
    for (const auto& item : field.value) one(item);
    if (field.value.size() == 0) r.error(field, "status is an empty list");
  } else {
    one(field.value);
  }
  return codes;
}

std::optional<Until> read_until(Reader& r, const Field& field) {
  auto fields = r.mapping(field, "in until", kUntilKeys);
  if (!fields) return std::nullopt;
  Until until;
  if (const auto* f = fields->find("json")) {
    if (!f->value.IsMap() || f->value.size() != 1) {
      r.error(*f, "until json must map one JSON pointer to the value awaited (/status: done), or "
                  "to a list of values ([running, done])");
    } else {
      const auto it = f->value.begin();
      const Field key{"JSON pointer", it->first, it->first};
      until.pointer = r.text(key).value_or("");
      if (!until.pointer.empty() && !valid_pointer(until.pointer)) {
        r.error(key, fmt::format("'{}' is not a JSON pointer (e.g. /status)", until.pointer));
      }
      auto add = [&](const YAML::Node& n) {
        if (auto v = to_json(r, {"awaited value", it->first, n}, Dynamic::kNone)) until.any_of_json.push_back(v->dump());
      };
      // A copy: `it->second` lives in a temporary that a range-for would outlive.
      const YAML::Node awaited = it->second;
      if (awaited.IsSequence()) {
        for (const auto& n : awaited) add(n);
      } else {
        add(awaited);
      }
    }
  }
  if (const auto* f = fields->find("status")) until.statuses = read_statuses(r, *f);
  if (!fields->has("json") && until.statuses.empty()) {
    r.error(field, "until needs json: (/status: done) or status: (200), or both");
  }
  if (const auto* f = fields->find("poll")) until.poll = r.duration(*f, Sign::kPositive).value_or(until.poll);
  if (const auto* f = fields->find("timeout")) until.timeout = r.duration(*f, Sign::kPositive).value_or(until.timeout);
  return until;
}

Think read_think(Reader& r, const Field& field) {
  Think think;
  if (field.value.IsScalar()) {
    think.kind = Think::Kind::kFixed;
    think.a = r.duration(field, Sign::kNonNegative).value_or(Nanos{0});
    return think;
  }
  auto fields = r.mapping(field, "in think", kThinkKeys);
  if (!fields) return think;
  if (fields->node().size() != 1) {
    r.error(field, "think takes one of fixed: 1s, uniform: [100ms, 1s] or exponential: 500ms");
    return think;
  }
  if (const auto* f = fields->find("fixed")) {
    think.kind = Think::Kind::kFixed;
    think.a = r.duration(*f, Sign::kNonNegative).value_or(Nanos{0});
  } else if (const auto* f2 = fields->find("exponential")) {
    think.kind = Think::Kind::kExponential;
    think.a = r.duration(*f2, Sign::kPositive).value_or(Nanos{1});
  } else if (const auto* f3 = fields->find("uniform")) {
    if (!f3->value.IsSequence() || f3->value.size() != 2) {
      r.error(*f3, "uniform takes [min, max], e.g. [100ms, 1s]");
      return think;
    }
    think.kind = Think::Kind::kUniform;
    think.a = r.duration({"uniform min", std::nullopt, f3->value[0]}, Sign::kNonNegative).value_or(Nanos{0});
    think.b = r.duration({"uniform max", std::nullopt, f3->value[1]}, Sign::kNonNegative).value_or(think.a);
    if (think.b < think.a) r.error(*f3, "uniform: the max is below the min");
  }
  return think;
}

// Names of the metrics share one namespace: requests, flows, steps, since_start.
void claim(Reader& r, const Field& field, const std::string& name, std::unordered_set<std::string>& taken) {
  if (name.empty()) return;
  if (taken.contains(name)) {
    r.error(field, fmt::format("the name '{}' is already taken by a request, flow or step: metrics "
                               "need names of their own",
                               name));
    return;
  }
  taken.insert(name);
}

struct Scope {
  std::vector<std::string> names;  // feed columns, vars:, and what earlier steps extract
  void add(const std::string& n) {
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
};

// Every ${name} a step sends must have a value by the time the step runs.
void check_variables(Reader& r, const Field& item, const StepSpec& step, const Scope& scope,
                     const std::string& flow) {
  std::vector<std::string> used = step.request.path.variables();
  for (const auto& h : step.request.headers) {
    for (auto& v : h.value.variables()) used.push_back(std::move(v));
  }
  if (step.request.body) {
    for (auto& v : step.request.body->variables()) used.push_back(std::move(v));
  }
  std::set<std::string> reported;
  std::vector<std::string> candidates = scope.names;
  candidates.insert(candidates.end(), kBuiltins.begin(), kBuiltins.end());
  for (const auto& name : used) {
    if (std::find(kBuiltins.begin(), kBuiltins.end(), name) != kBuiltins.end()) continue;
    if (std::find(scope.names.begin(), scope.names.end(), name) != scope.names.end()) continue;
    if (!reported.insert(name).second) continue;
    const bool own = std::any_of(step.extract.begin(), step.extract.end(),
                                 [&](const Extract& e) { return e.name == name; });
    std::string why = own ? fmt::format("this step extracts {} only after its first request: give "
                                        "a starting value in the flow's vars:",
                                        name)
                          : fmt::format("extract it in an earlier step of flow '{}', give it in "
                                        "vars:, or read it from a feed{}",
                                        flow, did_you_mean(name, candidates));
    r.error(r.find_after(item.value, "${" + name + "}"),
            fmt::format("${{{}}} has no value when step '{}' runs: {}", name, step.request.name, why));
  }
}

StepSpec read_step(Reader& r, const Field& item, const std::string& flow, Scope& scope,
                   std::unordered_set<std::string>& taken) {
  StepSpec step;
  std::vector<std::string_view> keys(request_keys().begin(), request_keys().end());
  keys.insert(keys.end(), kStepExtraKeys.begin(), kStepExtraKeys.end());
  auto fields = r.mapping(item, "in a step", keys);
  if (!fields) return step;
  step.request = read_request_fields(r, item, *fields, Dynamic::kFlow, "step");
  if (const auto* f = fields->find("weight")) {
    r.error(r.key_where(*f), "weight: belongs to the flow, not to one of its steps");
  }
  if (!fields->has("name")) {
    // The default name "flow METHOD /path" is unique in practice and reads well in reports.
    const auto path = step.request.path.text();
    step.request.name = flow + " " + step.request.method + " " + path.substr(0, path.find('?'));
  }
  claim(r, fields->has("name") ? *fields->find("name") : item, step.request.name, taken);
  if (const auto* f = fields->find("extract")) step.extract = read_extract(r, *f);
  if (const auto* f = fields->find("until")) step.until = read_until(r, *f);
  if (const auto* f = fields->find("think")) step.think = read_think(r, *f);
  if (const auto* f = fields->find("since_start")) {
    step.since_start = read_metric_name(r, *f, "since_start");
    claim(r, *f, step.since_start, taken);
  }
  if (const auto* f = fields->find("max_repeats")) {
    step.max_repeats = static_cast<int>(r.whole(*f, 1, 100000000).value_or(step.max_repeats));
    if (!fields->has("repeat_while")) r.error(r.key_where(*f), "max_repeats: needs repeat_while: beside it");
  }
  if (const auto* f = fields->find("repeat_while")) {
    step.repeat_while = r.text(*f).value_or("");
    if (step.until) r.error(r.key_where(*f), "give either until: or repeat_while:, not both");
    const bool extracted = std::any_of(step.extract.begin(), step.extract.end(),
                                       [&](const Extract& e) { return e.name == step.repeat_while; });
    if (!step.repeat_while.empty() && !extracted) {
      r.error(*f, fmt::format("repeat_while: {} must name a value this step extracts (e.g. extract: "
                              "{{ {}: /next_cursor }})",
                              step.repeat_while, step.repeat_while));
    }
  }
  check_variables(r, item, step, scope, flow);
  for (const auto& e : step.extract) scope.add(e.name);
  return step;
}

std::vector<std::string> read_feed_names(Reader& r, const Field& field, const std::vector<FeedSpec>& feeds,
                                         Scope& scope) {
  std::vector<std::string> names;
  std::vector<YAML::Node> nodes;
  if (field.value.IsSequence()) {
    for (const auto& n : field.value) nodes.push_back(n);
  } else {
    nodes.push_back(field.value);
  }
  std::vector<std::string> known;
  for (const auto& f : feeds) known.push_back(f.name);
  for (const auto& n : nodes) {
    const Field one{"feed", std::nullopt, n};
    auto name = r.text(one);
    if (!name) continue;
    const auto it = std::find_if(feeds.begin(), feeds.end(), [&](const FeedSpec& f) { return f.name == *name; });
    if (it == feeds.end()) {
      r.error(one, fmt::format("there is no feed named '{}' in feeds:{}", *name, did_you_mean(*name, known)));
      continue;
    }
    for (const auto& c : it->columns) {
      if (std::find(scope.names.begin(), scope.names.end(), c) != scope.names.end()) {
        r.error(one, fmt::format("column '{}' of feed '{}' is also given by another feed or vars:", c, *name));
      }
      scope.add(c);
    }
    names.push_back(*name);
  }
  return names;
}

FlowSpec read_flow(Reader& r, const Field& item, const std::vector<FeedSpec>& feeds,
                   std::unordered_set<std::string>& taken) {
  FlowSpec flow;
  flow.where = r.where(item.value);
  auto fields = r.mapping(item, "in a flow", kFlowKeys);
  if (!fields) return flow;
  if (const auto* f = fields->find("name")) {
    flow.name = read_metric_name(r, *f, "flow");
    claim(r, *f, flow.name, taken);
  } else {
    r.error(item, "a flow needs a name: (its metrics are <name>.p95 and so on)");
  }
  if (const auto* f = fields->find("weight")) flow.weight = r.number(*f, Sign::kPositive).value_or(1.0);
  Scope scope;
  if (const auto* f = fields->find("vars")) {
    if (!f->value.IsMap()) {
      r.error(*f, fmt::format("vars must be a mapping (cursor: \"\"), not {}", describe(f->value)));
    } else {
      for (auto it = f->value.begin(); it != f->value.end(); ++it) {
        const Field key{"variable name", it->first, it->first};
        auto name = r.scalar(key);
        if (name && !is_variable_name(*name)) {
          r.error(key, fmt::format("'{}' is not a variable name (letters, digits and _)", *name));
          continue;
        }
        const Field value{"vars " + name.value_or(""), it->first, it->second};
        auto text = it->second.IsNull() ? std::optional<std::string>("") : r.text(value);
        if (name && text) {
          flow.vars.emplace_back(*name, *text);
          scope.add(*name);
        }
      }
    }
  }
  if (const auto* f = fields->find("feed")) flow.feeds = read_feed_names(r, *f, feeds, scope);
  const auto* steps = fields->find("steps");
  if (!steps) {
    r.error(item, "a flow needs steps: (a list of requests, each like those in requests:)");
    return flow;
  }
  auto items = r.sequence(*steps, "step");
  if (!items) return flow;
  if (items->empty()) r.error(*steps, "steps is empty: give at least one step");
  for (const auto& step : *items) flow.steps.push_back(read_step(r, step, flow.name, scope, taken));
  return flow;
}

}  // namespace

std::vector<FlowSpec> read_flows(Reader& r, const Field& field, const std::vector<FeedSpec>& feeds,
                                 std::unordered_set<std::string>& taken) {
  std::vector<FlowSpec> flows;
  auto items = r.sequence(field, "flow");
  if (!items) return flows;
  if (items->empty()) r.error(field, "flows is empty: give at least one flow, or leave flows: out");
  for (const auto& item : *items) flows.push_back(read_flow(r, item, feeds, taken));
  return flows;
}

}  // namespace loadgen::scenario
