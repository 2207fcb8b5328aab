#include "harness/scenario/yaml_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

namespace loadgen::scenario {
namespace {

// YAML 1.2 core schema spellings; yaml-cpp tags a plain scalar "?" and a quoted one "!".
std::optional<nlohmann::json> plain_scalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE")
    return nlohmann::json(true);
  if (s == "false" || s == "False" || s == "FALSE")
    return nlohmann::json(false);
  const char* end = s.data() + s.size();
  int64_t whole = 0;
  if (auto [ptr, ec] = std::from_chars(s.data(), end, whole); ec == std::errc{} && ptr == end) {
    return nlohmann::json(whole);
  }
  double real = 0;
  if (auto [ptr, ec] = std::from_chars(s.data(), end, real);
      ec == std::errc{} && ptr == end && std::isfinite(real)) {
    return nlohmann::json(real);
  }
  return std::nullopt;
}

// JSON text is UTF-8: nlohmann refuses (throws on) anything else when the body is written.
// Overlong forms, surrogates and code points past U+10FFFF are not UTF-8 either.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07u;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    constexpr uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kSmallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

std::optional<nlohmann::json> scalar_json(Reader& r, const Field& field, Dynamic allowed) {
  if (!valid_utf8(field.value.Scalar())) {
    r.error(field, fmt::format("{}: a value is not valid UTF-8 (JSON text must be)", field.name));
    return std::nullopt;
  }
  if (field.value.Tag() != "!") {
    if (auto typed = plain_scalar(field.value.Scalar()))
      return typed;
  }
  auto t = r.templ(field, allowed);
  if (!t)
    return std::nullopt;
  // A body keeps source form ("$${" for a literal "${") because it is parsed as a Template again.
  return nlohmann::json(allowed == Dynamic::kNone ? t->literal_text() : t->text());
}

// YAML aliases repeat what they name without copying it: nine nested aliases in 769 bytes name
// a billion values. Expanded into JSON they would fill the memory, so expansion is bounded.
constexpr size_t kMaxJsonValues = 1'000'000;
constexpr size_t kMaxJsonDepth = 256;

struct Budget {
  size_t values = 0;
  bool exceeded = false;
};

std::optional<nlohmann::json> convert(Reader& r, const Field& field, Dynamic allowed, Budget& budget, size_t depth) {
  if (budget.exceeded) return std::nullopt;
  if (++budget.values > kMaxJsonValues || depth > kMaxJsonDepth) {
    budget.exceeded = true;
    r.error(field, depth > kMaxJsonDepth
                       ? fmt::format("{} nests deeper than {} levels", field.name, kMaxJsonDepth)
                       : fmt::format("{} expands to more than {} values (YAML aliases repeat what they name; "
                                     "this would not fit in memory)",
                                     field.name, kMaxJsonValues));
    return std::nullopt;
  }
  const auto& node = field.value;
  if (node.IsNull())
    return nlohmann::json(nullptr);
  if (node.IsScalar())
    return scalar_json(r, field, allowed);
  bool ok = true;
  if (node.IsSequence()) {
    auto array = nlohmann::json::array();
    for (const auto& item : node) {
      auto value = convert(r, {field.name, std::nullopt, item}, allowed, budget, depth + 1);
      ok = ok && value.has_value();
      if (!ok && budget.exceeded) return std::nullopt;
      if (value)
        array.push_back(std::move(*value));
    }
    return ok ? std::optional(std::move(array)) : std::nullopt;
  }
  auto object = nlohmann::json::object();
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto key = r.scalar({field.name + " key", it->first, it->first});
    if (key && !valid_utf8(*key)) {
      r.error(Field{field.name + " key", it->first, it->first},
              fmt::format("{}: a key is not valid UTF-8 (JSON text must be)", field.name));
      key.reset();
    }
    auto value = convert(r, {field.name, it->first, it->second}, allowed, budget, depth + 1);
    ok = ok && key && value;
    if (!ok && budget.exceeded) return std::nullopt;
    if (key && value)
      object[*key] = std::move(*value);
  }
  return ok ? std::optional(std::move(object)) : std::nullopt;
}

}  // namespace

std::optional<nlohmann::json> to_json(Reader& r, const Field& field, Dynamic allowed) {
  Budget budget;
  return convert(r, field, allowed, budget, 0);
}

}  // namespace loadgen::scenario
