#include <array>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/scenario/sections.hpp"
#include "harness/scenario/suggest.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 13> kLoadKeys = {
    "model",         "stages",      "rate",  "vus",    "duration", "start",
    "max_in_flight", "connections", "think", "warmup", "threads",  "search",
    "max_redirects"};

std::optional<LoadModel> read_model(Reader& r, const Field& field) {
  auto text = r.text(field);
  if (!text)
    return std::nullopt;
  if (*text == "arrival-rate")
    return LoadModel::kArrivalRate;
  if (*text == "vus")
    return LoadModel::kVirtualUsers;
  constexpr std::array<std::string_view, 2> kModels = {"arrival-rate", "vus"};
  r.error(field, fmt::format("model must be arrival-rate or vus, not '{}'{}", *text,
                             did_you_mean(*text, kModels)));
  return std::nullopt;
}

// The open and the closed model each have fields that mean nothing to the other.
void check_model_keys(Reader& r, const Fields& fields, LoadModel model) {
  const bool open = model == LoadModel::kArrivalRate;
  const std::vector<std::string_view> foreign =
      open ? std::vector<std::string_view>{"vus", "think"}
           : std::vector<std::string_view>{"rate", "max_in_flight"};
  for (auto key : foreign) {
    if (const auto* f = fields.find(key)) {
      r.error(r.key_where(*f),
              fmt::format("'{}' applies only to model: {}", key,
                          model_name(open ? LoadModel::kVirtualUsers : LoadModel::kArrivalRate)));
    }
  }
}

// `rate: 100` + `duration: 30s` (or `vus:`) is one constant stage.
std::vector<Stage> read_shorthand(Reader& r, const Fields& fields, LoadModel model) {
  const std::string_view level_key = model == LoadModel::kArrivalRate ? "rate" : "vus";
  const Field* level = fields.find(level_key);
  const Field* duration = fields.find("duration");
  if (const auto* start = fields.find("start")) {
    r.error(r.key_where(*start), "'start' applies only to stages:");
  }
  if (!level && !duration) {
    r.error(r.where(fields.node()),
            fmt::format("load needs stages:, or {}: with duration:", level_key));
    return {};
  }
  if (!level || !duration) {
    const Field& given = level ? *level : *duration;
    r.error(r.key_where(given),
            fmt::format("{}: needs {}: beside it", given.name, level ? "duration" : level_key));
    return {};
  }
  auto l = read_level(r, *level, model);
  auto d = r.duration(*duration, Sign::kPositive);
  if (!l || !d)
    return {};
  return {Stage{"stage 1", *l, *l, *d, r.where(level->value)}};
}

std::vector<Stage> read_profile(Reader& r, const Fields& fields, LoadModel model) {
  const Field* stages = fields.find("stages");
  if (!stages)
    return read_shorthand(r, fields, model);
  const std::string_view level_key = model == LoadModel::kArrivalRate ? "rate" : "vus";
  for (std::string_view key : {level_key, std::string_view("duration")}) {
    if (const auto* f = fields.find(key)) {
      r.error(r.key_where(*f),
              fmt::format("give either stages: or {}: with duration:, not both", level_key));
    }
  }
  double start = 0;
  if (const auto* f = fields.find("start"))
    start = read_level(r, *f, model).value_or(0);
  return read_stages(r, *stages, model, start);
}

void check_warmup(Reader& r, const Field& field, const LoadSpec& load) {
  Nanos total{0};
  for (const auto& s : load.stages)
    total += s.duration;
  if (total.count() > 0 && load.warmup >= total) {
    r.error(field, fmt::format("warmup ({}) must be shorter than the whole load ({})",
                               core::format_duration(load.warmup), core::format_duration(total)));
  }
}

}  // namespace

std::string_view model_name(LoadModel model) {
  return model == LoadModel::kArrivalRate ? "arrival-rate" : "vus";
}

std::optional<double> read_level(Reader& r, const Field& field, LoadModel model) {
  if (model == LoadModel::kArrivalRate)
    return r.rate(field);
  auto users = r.whole(field, 0, 1'000'000);
  return users ? std::optional<double>(static_cast<double>(*users)) : std::nullopt;
}

LoadSpec read_load(Reader& r, const Field& field) {
  LoadSpec load;
  auto fields = r.mapping(field, "in load", kLoadKeys);
  if (!fields)
    return load;
  if (const auto* f = fields->find("model"))
    load.model = read_model(r, *f).value_or(load.model);
  check_model_keys(r, *fields, load.model);
  if (const auto* f = fields->find("search")) {
    // The search sets each trial's level and length: a profile beside it would mean nothing.
    for (std::string_view key : {"stages", "rate", "vus", "duration", "start", "warmup"}) {
      if (const auto* other = fields->find(key)) {
        r.error(r.key_where(*other), fmt::format("'{}' does not go with search: (the search sets each trial's "
                                                 "level and length{})",
                                                 key, key == "warmup" ? "; give warmup inside search:" : ""));
      }
    }
    load.search = read_search(r, *f, load.model);
    if (load.search) {
      load.stages = {Stage{"trial", load.search->from, load.search->from, load.search->step, load.search->where}};
    }
  } else {
    load.stages = read_profile(r, *fields, load.model);
  }
  if (const auto* f = fields->find("max_in_flight"); f && load.model == LoadModel::kArrivalRate) {
    load.max_in_flight = static_cast<int>(
        r.whole(*f, 1, std::numeric_limits<int>::max()).value_or(load.max_in_flight));
  }
  // Closed model: the users share this many connections (each has its own without it).
  if (const auto* f = fields->find("connections")) {
    if (auto n = r.whole(*f, 1, std::numeric_limits<int>::max()))
      load.connections = static_cast<int>(*n);
  }
  if (const auto* f = fields->find("think"); f && load.model == LoadModel::kVirtualUsers) {
    load.think_time = r.duration(*f, Sign::kNonNegative).value_or(load.think_time);
  }
  if (const auto* f = fields->find("threads")) {
    if (auto n = r.whole(*f, 1, 1024))
      load.threads = static_cast<int>(*n);
  }
  if (const auto* f = fields->find("max_redirects")) {
    load.max_redirects = static_cast<int>(r.whole(*f, 0, kMaxRedirectsLimit).value_or(load.max_redirects));
  }
  if (const auto* f = fields->find("warmup"); f && !load.search) {
    load.warmup = r.duration(*f, Sign::kNonNegative).value_or(load.warmup);
    check_warmup(r, *f, load);
  }
  return load;
}

}  // namespace loadgen::scenario
