#include "harness/scenario/yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "harness/core/units.hpp"
#include "harness/scenario/suggest.hpp"

namespace loadgen::scenario {

const Field* Fields::find(std::string_view key) const {
  for (const auto& f : fields_) {
    if (f.name == key)
      return &f;
  }
  return nullptr;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "empty";
  }
  return "empty";
}

Reader::Reader(std::string file, std::string_view source, std::vector<Override> overrides,
               const Variables& variables)
    : file_(std::move(file)),
      source_(source),
      overrides_(std::move(overrides)),
      variables_(variables) {}

const Override* Reader::override_of(const YAML::Node& node) const {
  for (const auto& o : overrides_) {
    if (node.is(o.node))
      return &o;
  }
  return nullptr;
}

SourceLocation Reader::where(const YAML::Node& node) const {
  if (const auto* o = override_of(node))
    return {"--set " + o->key, 0, 0};
  const auto mark = node.Mark();
  if (mark.is_null())
    return {file_, 0, 0};
  return {file_, mark.line + 1, mark.column + 1};  // yaml-cpp counts from 0
}

SourceLocation Reader::where(const Field& field) const {
  // yaml-cpp marks an empty value at the next token, which may be lines further down.
  if (field.value.IsNull() && field.key && !override_of(field.value))
    return where(*field.key);
  return where(field.value);
}

SourceLocation Reader::key_where(const Field& field) const {
  // A key that --set added has no place in the file; its value names the --set.
  if (!field.key || override_of(field.value))
    return where(field.value);
  return where(*field.key);
}

SourceLocation Reader::locate(const YAML::Node& node, std::string_view needle) const {
  auto at = where(node);
  const auto mark = node.Mark();
  if (at.line == 0 || mark.pos < 0 || static_cast<size_t>(mark.pos) >= source_.size())
    return at;
  const auto line_end = source_.find('\n', static_cast<size_t>(mark.pos));
  const auto found = source_.find(needle, static_cast<size_t>(mark.pos));
  if (found != std::string_view::npos && found < line_end) {
    at.column += static_cast<int>(found - static_cast<size_t>(mark.pos));
  }
  return at;
}

SourceLocation Reader::find_after(const YAML::Node& node, std::string_view needle) const {
  auto at = where(node);
  const auto mark = node.Mark();
  if (at.line == 0 || mark.pos < 0 || static_cast<size_t>(mark.pos) >= source_.size())
    return at;
  const auto found = source_.find(needle, static_cast<size_t>(mark.pos));
  if (found == std::string_view::npos)
    return at;
  const auto before = source_.substr(0, found);
  at.line = 1 + static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  const auto line_start = before.rfind('\n');
  at.column = 1 + static_cast<int>(line_start == std::string_view::npos ? found
                                                                         : found - line_start - 1);
  return at;
}

void Reader::error(const SourceLocation& at, std::string message) {
  errors_.push_back({at, std::move(message)});
}

std::optional<Fields> Reader::mapping(const Field& field, std::string_view context,
                                      std::span<const std::string_view> known) {
  if (!field.value.IsMap()) {
    error(field, fmt::format("{} must be a mapping (key: value), not {}", field.name,
                             describe(field.value)));
    return std::nullopt;
  }
  std::vector<Field> fields;
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    if (!it->first.IsScalar()) {
      error(where(it->first),
            fmt::format("keys {} must be names, not {}", context, describe(it->first)));
      continue;
    }
    const std::string key = it->first.Scalar();
    const auto key_at = key_where({key, it->first, it->second});
    bool is_known = false;
    for (auto k : known)
      is_known = is_known || k == key;
    if (!is_known && key == "<<") {
      // yaml-cpp 0.7 reads a merge key as a plain key named "<<": say what it is.
      error(key_at, fmt::format("YAML merge keys (<<) are not supported {}: write the keys out, or "
                                "alias a whole value (key: *name)",
                                context));
      continue;
    }
    if (!is_known) {
      error(key_at, fmt::format("unknown key '{}' {}{}", key, context, did_you_mean(key, known)));
      continue;
    }
    bool repeated = false;
    for (const auto& f : fields) {
      if (f.name != key)
        continue;
      repeated = true;
      error(key_at,
            fmt::format("key '{}' is given twice (first at line {})", key, where(*f.key).line));
    }
    if (!repeated)
      fields.push_back({key, it->first, it->second});
  }
  return Fields(field.value, std::move(fields));
}

std::optional<std::vector<Field>> Reader::sequence(const Field& field, std::string_view item_name) {
  if (!field.value.IsSequence()) {
    error(field, fmt::format("{} must be a list, not {}", field.name, describe(field.value)));
    return std::nullopt;
  }
  std::vector<Field> items;
  for (const auto& item : field.value)
    items.push_back({std::string(item_name), std::nullopt, item});
  return items;
}

std::optional<std::string> Reader::scalar(const Field& field) {
  if (field.value.IsScalar())
    return field.value.Scalar();
  if (field.value.IsNull()) {
    error(field, fmt::format("{} has no value", field.name));
  } else {
    error(field,
          fmt::format("{} must be a single value, not {}", field.name, describe(field.value)));
  }
  return std::nullopt;
}

std::optional<Template> Reader::templ(const Field& field, Dynamic allowed) {
  auto raw = scalar(field);
  if (!raw)
    return std::nullopt;
  auto parsed = Template::parse(*raw);
  if (!parsed) {
    error(field, fmt::format("{}: {}", field.name, parsed.error()));
    return std::nullopt;
  }
  auto bound = variables_.bind(*parsed, allowed);
  for (const auto& problem : bound.problems) {
    error(locate(field.value, problem.placeholder), problem.message);
  }
  if (!bound.problems.empty())
    return std::nullopt;
  return std::move(bound.value);
}

std::optional<std::string> Reader::text(const Field& field) {
  auto t = templ(field, Dynamic::kNone);
  if (!t)
    return std::nullopt;
  return t->literal_text();
}

std::optional<Nanos> Reader::duration(const Field& field, Sign sign) {
  auto t = text(field);
  if (!t)
    return std::nullopt;
  auto d = core::parse_duration(*t);
  if (!d) {
    error(field, fmt::format("{}: {}", field.name, d.error()));
    return std::nullopt;
  }
  if (sign == Sign::kPositive && d->count() <= 0) {
    error(field, fmt::format("{} must be longer than 0s", field.name));
    return std::nullopt;
  }
  return *d;
}

std::optional<double> Reader::number(const Field& field, Sign sign) {
  auto t = text(field);
  if (!t)
    return std::nullopt;
  double value = 0;
  const char* end = t->data() + t->size();
  auto [ptr, ec] = std::from_chars(t->data(), end, value);
  if (ec != std::errc{} || ptr != end || !std::isfinite(value)) {
    error(field, fmt::format("{} must be a number, not '{}'", field.name, *t));
    return std::nullopt;
  }
  if (sign == Sign::kPositive && value <= 0) {
    error(field, fmt::format("{} must be more than 0, not {}", field.name, *t));
    return std::nullopt;
  }
  if (value < 0) {
    error(field, fmt::format("{} cannot be negative ({})", field.name, *t));
    return std::nullopt;
  }
  return value;
}

std::optional<double> Reader::rate(const Field& field) {
  auto t = text(field);
  if (!t)
    return std::nullopt;
  auto r = core::parse_rate(*t);
  if (!r) {
    error(field, fmt::format("{}: {}", field.name, r.error()));
    return std::nullopt;
  }
  return *r;
}

std::optional<int64_t> Reader::whole(const Field& field, int64_t min, int64_t max) {
  auto t = text(field);
  if (!t)
    return std::nullopt;
  int64_t value = 0;
  const char* end = t->data() + t->size();
  auto [ptr, ec] = std::from_chars(t->data(), end, value);
  if (ec != std::errc{} || ptr != end) {
    error(field, fmt::format("{} must be a whole number, not '{}'", field.name, *t));
    return std::nullopt;
  }
  if (value < min || value > max) {
    error(field, value < min
                     ? fmt::format("{} must be at least {}, not {}", field.name, min, value)
                     : fmt::format("{} must be at most {}, not {}", field.name, max, value));
    return std::nullopt;
  }
  return value;
}

}  // namespace loadgen::scenario
