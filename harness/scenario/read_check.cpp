#include <array>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/scenario/sections.hpp"
#include "harness/scenario/yaml_json.hpp"

namespace loadgen::scenario {
namespace {

constexpr std::array<std::string_view, 3> kCheckKeys = {"status", "body_contains", "json"};

std::optional<int> status_code(Reader& r, const Field& field) {
  auto code = r.whole(field, 100, 599);
  return code ? std::optional<int>(static_cast<int>(*code)) : std::nullopt;
}

// "2xx" (any case of x) is a class; 1xx..5xx.
std::optional<int> status_class(std::string_view text) {
  if (text.size() != 3 || text[0] < '1' || text[0] > '5')
    return std::nullopt;
  if (std::tolower(static_cast<unsigned char>(text[1])) != 'x')
    return std::nullopt;
  if (std::tolower(static_cast<unsigned char>(text[2])) != 'x')
    return std::nullopt;
  return text[0] - '0';
}

struct Status {
  std::vector<int> codes;
  std::optional<int> code_class;
};

Status read_status(Reader& r, const Field& field) {
  Status status;
  if (field.value.IsSequence()) {
    for (const auto& item : field.value) {
      if (auto code = status_code(r, {"status", std::nullopt, item}))
        status.codes.push_back(*code);
    }
    if (field.value.size() == 0)
      r.error(field, "status is an empty list");
    return status;
  }
  const std::string text = field.value.IsScalar() ? field.value.Scalar() : std::string();
  if (auto cls = status_class(text)) {
    status.code_class = *cls;
  } else if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))) {
    if (auto code = status_code(r, field))
      status.codes.push_back(*code);
  } else {
    r.error(field, fmt::format("status must be a code (200), a list of codes ([200, 201]) or a "
                               "class (2xx), not {}",
                               describe(field.value)));
  }
  return status;
}

std::vector<JsonEquals> read_json_checks(Reader& r, const Field& field) {
  std::vector<JsonEquals> checks;
  if (!field.value.IsMap()) {
    r.error(field, fmt::format("check json must be a mapping of JSON pointer to value "
                               "(/status: done), not {}",
                               describe(field.value)));
    return checks;
  }
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    const Field key{"JSON pointer", it->first, it->first};
    auto pointer = r.text(key);
    auto value = to_json(r, {"expected value", it->first, it->second}, Dynamic::kNone);
    if (!pointer || !value)
      continue;
    try {
      nlohmann::json::json_pointer parsed(*pointer);
    } catch (const nlohmann::json::exception&) {
      r.error(key,
              fmt::format("'{}' is not a JSON pointer (e.g. /status or /items/0/id)", *pointer));
      continue;
    }
    checks.push_back({*pointer, value->dump()});
  }
  return checks;
}

}  // namespace

Check read_check(Reader& r, const Field& field) {
  Check check;
  auto fields = r.mapping(field, "in check", kCheckKeys);
  if (!fields)
    return check;
  if (const auto* f = fields->find("status")) {
    auto status = read_status(r, *f);
    check.statuses = std::move(status.codes);
    check.status_class = status.code_class;
  }
  if (const auto* f = fields->find("body_contains")) {
    auto text = r.text(*f);
    if (text && text->empty())
      r.error(*f, "body_contains is empty");
    if (text && !text->empty())
      check.body_contains = *text;
  }
  if (const auto* f = fields->find("json"))
    check.json_equals = read_json_checks(r, *f);
  return check;
}

}  // namespace loadgen::scenario
