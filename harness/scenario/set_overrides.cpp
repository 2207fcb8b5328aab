#include "harness/scenario/set_overrides.hpp"

#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "harness/scenario/template.hpp"

namespace loadgen::scenario {
namespace {

std::vector<std::string> split_path(std::string_view key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot - start));
    if (dot == std::string_view::npos)
      return parts;
    start = dot + 1;
  }
}

bool uses_variable(const YAML::Node& node, const std::string& name) {
  if (node.IsScalar()) {
    auto t = Template::parse(node.Scalar());
    if (!t)
      return false;
    for (const auto& v : t->variables()) {
      if (v == name)
        return true;
    }
    return false;
  }
  if (node.IsSequence()) {
    for (const auto& item : node) {
      if (uses_variable(item, name))
        return true;
    }
  }
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (uses_variable(it->second, name))
        return true;
    }
  }
  return false;
}

YAML::Node value_node(const std::string& text) {
  try {
    YAML::Node parsed = YAML::Load(text);
    if (parsed.IsScalar())
      return parsed;
    if (parsed.IsNull())
      return YAML::Node(YAML::NodeType::Null);
  } catch (const YAML::Exception&) {
    // Not YAML on its own (e.g. "a: b: c"): the text is the value.
  }
  return YAML::Node(text);
}

std::optional<size_t> index_of(const std::string& segment) {
  size_t index = 0;
  auto [ptr, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
  if (ec != std::errc{} || ptr != segment.data() + segment.size())
    return std::nullopt;
  return index;
}

std::optional<YAML::Node> child_of(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return it->second;
  }
  return std::nullopt;
}

// Where a path leads: the node, or only its parent mapping when the last key is missing.
struct Lookup {
  std::optional<YAML::Node> node;
  YAML::Node parent;
  std::string error;
};

// YAML::Node's operator= writes through to the document; walking it must rebind with reset().
Lookup find_path(YAML::Node root, const std::vector<std::string>& path) {
  Lookup result{std::nullopt, root, ""};
  YAML::Node current(root);
  std::string walked = "the scenario";
  for (size_t i = 0; i < path.size(); ++i) {
    const auto& segment = path[i];
    result.parent.reset(current);
    if (current.IsSequence()) {
      const auto index = index_of(segment);
      if (!index)
        return {std::nullopt, current,
                fmt::format("{} is a list: '{}' is not an index", walked, segment)};
      if (*index >= current.size()) {
        return {std::nullopt, current,
                fmt::format("index {} is out of range: {} has {} item{}", *index, walked,
                            current.size(), current.size() == 1 ? "" : "s")};
      }
      current.reset(current[*index]);
    } else if (current.IsMap()) {
      auto child = child_of(current, segment);
      if (!child) {
        if (i + 1 == path.size())
          return result;
        return {std::nullopt, current, fmt::format("there is no '{}' in {}", segment, walked)};
      }
      current.reset(*child);
    } else {
      return {std::nullopt, current,
              fmt::format("{} is {}, not a mapping or a list", walked, describe(current))};
    }
    walked = i == 0 ? segment : walked + "." + segment;
  }
  result.node.emplace(current);
  return result;
}

struct Applied {
  std::optional<Override> override;  // empty when the key is only a variable
  std::string error;
};

Applied apply_one(YAML::Node root, const std::string& key, const std::string& value) {
  const auto path = split_path(key);
  for (const auto& segment : path) {
    if (segment.empty())
      return {std::nullopt, fmt::format("'{}' is not a dotted path such as load.rate", key)};
  }
  auto found = find_path(root, path);
  if (!found.node && uses_variable(root, key))
    return {};
  if (!found.error.empty())
    return {std::nullopt, found.error};
  if (found.node && (found.node->IsMap() || found.node->IsSequence())) {
    return {std::nullopt,
            fmt::format("{} is {}; --set replaces single values (e.g. load.stages.0.hold)", key,
                        describe(*found.node))};
  }
  YAML::Node replacement = value_node(value);
  if (found.parent.IsSequence()) {
    found.parent[*index_of(path.back())] = replacement;
  } else {
    found.parent[path.back()] = replacement;
  }
  return {Override{replacement, key}, ""};
}

}  // namespace

OverrideResult apply_overrides(YAML::Node root,
                               const std::vector<std::pair<std::string, std::string>>& sets) {
  OverrideResult result;
  for (const auto& [key, value] : sets) {
    const SourceLocation where{"--set " + key, 0, 0};
    if (!root.IsMap()) {
      result.errors.push_back({where, "the scenario is not a mapping, so nothing can be set"});
      continue;
    }
    auto applied = apply_one(root, key, value);
    if (!applied.error.empty())
      result.errors.push_back({where, std::move(applied.error)});
    if (applied.override)
      result.applied.push_back(std::move(*applied.override));
  }
  return result;
}

}  // namespace loadgen::scenario
