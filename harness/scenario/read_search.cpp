// load.search: { from, max, step, precision, confirm, growth, warmup, cooldown }.
#include <array>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/scenario/sections.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 8> kSearchKeys = {"from",   "max",    "step",   "precision",
                                                         "confirm", "growth", "warmup", "cooldown"};

std::optional<double> read_fraction(Reader& r, const Field& field, double above, double below) {
  const auto text = r.scalar(field);
  if (!text) return std::nullopt;
  const auto value = core::parse_ratio(*text);
  if (!value) {
    r.error(field, fmt::format("{} must be a fraction or a percentage (5%), not '{}'", field.name, *text));
    return std::nullopt;
  }
  if (!(*value > above && *value < below)) {
    r.error(field, fmt::format("{} must be above {} and below {}, not {}", field.name, core::format_percent(above),
                               core::format_percent(below), *text));
    return std::nullopt;
  }
  return *value;
}

}  // namespace

std::optional<SearchSpec> read_search(Reader& r, const Field& field, LoadModel model) {
  auto fields = r.mapping(field, "in search", kSearchKeys);
  if (!fields) return std::nullopt;
  SearchSpec s;
  s.where = r.where(field);
  const size_t errors_before = r.error_count();
  const auto required = [&](std::string_view key, std::string_view example) -> const Field* {
    const auto* f = fields->find(key);
    if (!f) r.error(r.where(field), fmt::format("search needs {}: ({})", key, example));
    return f;
  };
  const bool open = model == LoadModel::kArrivalRate;
  const auto* from = required("from", open ? "the first trial's rate, e.g. from: 50" : "the first trial's users, e.g. from: 10");
  const auto* max = required("max", open ? "the highest rate to try, e.g. max: 20000" : "the most users to try, e.g. max: 2000");
  const auto* step = required("step", "each trial's length, e.g. step: 10s");
  if (from) s.from = read_level(r, *from, model).value_or(0);
  if (max) s.max = read_level(r, *max, model).value_or(0);
  if (from && s.from <= 0 && errors_before == r.error_count()) r.error(*from, "from must be above 0");
  if (from && max && s.max < s.from && errors_before == r.error_count()) {
    r.error(*max, fmt::format("max ({}) is below from ({})", s.max, s.from));
  }
  if (step) s.step = r.duration(*step, Sign::kPositive).value_or(Nanos{0});
  if (const auto* f = fields->find("precision")) s.precision = read_fraction(r, *f, 0, 1).value_or(s.precision);
  s.confirm = 3 * s.step;
  if (const auto* f = fields->find("confirm")) s.confirm = r.duration(*f, Sign::kPositive).value_or(s.confirm);
  if (const auto* f = fields->find("growth")) {
    if (auto g = r.number(*f, Sign::kPositive)) {
      if (*g <= 1) {
        r.error(*f, fmt::format("growth must be above 1 (the factor between trials), not {}", *g));
      } else {
        s.growth = *g;
      }
    }
  }
  if (const auto* f = fields->find("warmup")) {
    s.warmup = r.duration(*f, Sign::kNonNegative).value_or(Nanos{0});
    const auto shortest = std::min(s.step, s.confirm);
    if (s.step.count() > 0 && s.warmup >= shortest) {
      r.error(*f, fmt::format("warmup ({}) must be shorter than each trial ({})", core::format_duration(s.warmup),
                              core::format_duration(shortest)));
    }
  }
  if (const auto* f = fields->find("cooldown")) s.cooldown = r.duration(*f, Sign::kNonNegative).value_or(Nanos{0});
  if (errors_before != r.error_count()) return std::nullopt;
  return s;
}

}  // namespace loadgen::scenario
