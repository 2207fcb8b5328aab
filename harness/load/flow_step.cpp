#include "harness/load/flow_step.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace loadgen::load {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view describe_source(const scenario::Extract& e) {
  switch (e.from) {
    case scenario::Extract::From::kJson: return "JSON pointer";
    case scenario::Extract::From::kHeader: return "header";
    case scenario::Extract::From::kRegex: return "regex";
  }
  return "source";
}

std::optional<std::string> find_value(const CompiledExtract& e, const http::Response& response, LazyJson& json) {
  switch (e.spec->from) {
    case scenario::Extract::From::kJson:
      return json.at(e.spec->source);
    case scenario::Extract::From::kHeader:
      for (const auto& [name, value] : response.headers) {
        if (iequals(name, e.spec->source)) return value;
      }
      return std::nullopt;
    case scenario::Extract::From::kRegex: {
      if (!e.regex) return std::nullopt;
      std::smatch match;
      try {
        if (std::regex_search(response.body, match, *e.regex) && match.size() > 1 && match[1].matched) {
          return match[1].str();
        }
      } catch (const std::regex_error&) {
        // Too complex for this body: counted as missing, never thrown out of the engine.
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

const std::string* FlowVars::find(std::string_view name) const {
  for (const auto& [n, v] : values_) {
    if (n == name) return &v;
  }
  return nullptr;
}

void FlowVars::set(std::string_view name, std::string value) {
  for (auto& [n, v] : values_) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  values_.emplace_back(std::string(name), std::move(value));
}

void FlowVars::unset(std::string_view name) {
  std::erase_if(values_, [&](const auto& p) { return p.first == name; });
}

bool FlowVars::present(std::string_view name) const {
  const auto* v = find(name);
  return v != nullptr && !v->empty();
}

const nlohmann::json* LazyJson::doc() {
  if (!parsed_) {
    parsed_ = true;
    auto parsed = nlohmann::json::parse(body_, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) doc_ = std::move(parsed);
  }
  return doc_ ? &*doc_ : nullptr;
}

std::optional<std::string> LazyJson::at(const std::string& pointer) {
  const auto* d = doc();
  if (d == nullptr) return std::nullopt;
  try {
    const nlohmann::json::json_pointer p(pointer);
    if (!d->contains(p)) return std::nullopt;
    const auto& v = d->at(p);
    if (v.is_null()) return std::nullopt;
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // the loader checks pointers; a bad one can only miss
  }
}

std::vector<CompiledExtract> compile_extracts(const std::vector<scenario::Extract>& extracts) {
  std::vector<CompiledExtract> out;
  for (const auto& e : extracts) {
    CompiledExtract c{&e, std::nullopt};
    if (e.from == scenario::Extract::From::kRegex) {
      try {
        c.regex.emplace(e.source, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error&) {
        // The loader compiled it already; left empty, it only ever misses.
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool extract_values(const std::vector<CompiledExtract>& extracts, const http::Response& response,
                    LazyJson& json, std::string_view may_be_missing, FlowVars& vars, std::string& error) {
  for (const auto& e : extracts) {
    auto value = find_value(e, response, json);
    if (value) {
      vars.set(e.spec->name, std::move(*value));
    } else if (e.spec->fallback) {
      vars.set(e.spec->name, *e.spec->fallback);
    } else if (e.spec->name == may_be_missing) {
      vars.unset(e.spec->name);
    } else {
      error = fmt::format("extract {}: {} '{}' found nothing in the response (HTTP {}{})", e.spec->name,
                          describe_source(*e.spec), e.spec->source, response.status,
                          e.spec->from == scenario::Extract::From::kJson && json.doc() == nullptr
                              ? ", body is not JSON"
                              : "");
      return false;
    }
  }
  return true;
}

bool until_met(const scenario::Until& until, const http::Response& response, LazyJson& json) {
  if (!until.statuses.empty() &&
      std::find(until.statuses.begin(), until.statuses.end(), response.status) == until.statuses.end()) {
    return false;
  }
  if (until.pointer.empty()) return true;
  const auto* d = json.doc();
  if (d == nullptr) return false;
  try {
    const nlohmann::json::json_pointer p(until.pointer);
    if (!d->contains(p)) return false;
    const auto& v = d->at(p);
    for (const auto& expected : until.any_of_json) {
      if (v == nlohmann::json::parse(expected, nullptr, false)) return true;
    }
  } catch (const nlohmann::json::exception&) {
  }
  return false;
}

std::chrono::nanoseconds draw_think(const scenario::Think& think, std::mt19937_64& rng) {
  using scenario::Think;
  switch (think.kind) {
    case Think::Kind::kNone: return std::chrono::nanoseconds{0};
    case Think::Kind::kFixed: return think.a;
    case Think::Kind::kUniform: {
      std::uniform_int_distribution<int64_t> d(think.a.count(), think.b.count());
      return std::chrono::nanoseconds{d(rng)};
    }
    case Think::Kind::kExponential: {
      std::exponential_distribution<double> d(1.0 / static_cast<double>(think.a.count()));
      // Capped at 20 means, so that one draw cannot stall a user for the rest of the run.
      const double ns = std::min(d(rng), 20.0 * static_cast<double>(think.a.count()));
      return std::chrono::nanoseconds{static_cast<int64_t>(ns)};
    }
  }
  return std::chrono::nanoseconds{0};
}

std::chrono::nanoseconds longest_flow(const scenario::FlowSpec& flow) {
  std::chrono::nanoseconds total{0};
  for (const auto& step : flow.steps) {
    auto one = step.request.timeout;
    if (step.until) one += step.until->timeout + step.until->poll;
    // A walk may be long; allow ten pages' worth of timeouts beyond the plan.
    if (!step.repeat_while.empty()) one *= 10;
    total += one;
    switch (step.think.kind) {
      case scenario::Think::Kind::kNone: break;
      case scenario::Think::Kind::kFixed: total += step.think.a; break;
      case scenario::Think::Kind::kUniform: total += step.think.b; break;
      case scenario::Think::Kind::kExponential: total += 20 * step.think.a; break;
    }
  }
  return total;
}

}  // namespace loadgen::load
