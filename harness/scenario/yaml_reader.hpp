#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "harness/scenario/loader.hpp"
#include "harness/scenario/variables.hpp"

// Typed reading of YAML values with errors collected, never thrown: each getter returns
// nothing (and records a located message) when the value does not fit. Internal to the loader.
namespace loadgen::scenario {

// A value and the key it was written under (none for list items). `name` is what messages
// call it: "timeout", "command item".
struct Field {
  std::string name;
  std::optional<YAML::Node> key;
  YAML::Node value;
};

// A node that a --set replaced or added; problems with it point at the command line.
struct Override {
  YAML::Node node;
  std::string key;
};

// The known keys of one mapping, each with its first value.
class Fields {
 public:
  Fields(YAML::Node map, std::vector<Field> fields)
      : map_(std::move(map)), fields_(std::move(fields)) {}
  const Field* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  const YAML::Node& node() const { return map_; }

 private:
  YAML::Node map_;
  std::vector<Field> fields_;
};

enum class Sign { kPositive, kNonNegative };

class Reader {
 public:
  Reader(std::string file, std::string_view source, std::vector<Override> overrides,
         const Variables& variables);

  SourceLocation where(const YAML::Node& node) const;
  SourceLocation where(const Field& field) const;      // the value, or its key when it is empty
  SourceLocation key_where(const Field& field) const;  // the key, or the value for list items
  // The first `needle` in the source from the node's start on (e.g. "${id}" used somewhere in
  // a step); the node's own location when there is none.
  SourceLocation find_after(const YAML::Node& node, std::string_view needle) const;
  void error(const SourceLocation& at, std::string message);
  void error(const Field& field, std::string message) { error(where(field), std::move(message)); }
  size_t error_count() const { return errors_.size(); }
  std::vector<Diagnostic> take_errors() { return std::move(errors_); }

  // The keys of a mapping. Unknown keys are reported with a did-you-mean ("unknown key 'x'
  // in load"), repeated ones too. Nothing when the value is not a mapping.
  std::optional<Fields> mapping(const Field& field, std::string_view context,
                                std::span<const std::string_view> known);
  std::optional<std::vector<Field>> sequence(const Field& field, std::string_view item_name);

  std::optional<std::string> scalar(const Field& field);  // as written
  std::optional<std::string> text(const Field& field);    // static variables bound, no others
  std::optional<Template> templ(const Field& field, Dynamic allowed);
  std::optional<Nanos> duration(const Field& field, Sign sign);
  std::optional<double> number(const Field& field, Sign sign);
  std::optional<double> rate(const Field& field);
  std::optional<int64_t> whole(const Field& field, int64_t min, int64_t max);

 private:
  // Where `needle` (e.g. "${prot}") sits inside the node's source line; the node's own
  // location when it cannot be found there.
  SourceLocation locate(const YAML::Node& node, std::string_view needle) const;
  const Override* override_of(const YAML::Node& node) const;

  std::string file_;
  std::string_view source_;
  std::vector<Override> overrides_;
  const Variables& variables_;
  std::vector<Diagnostic> errors_;
};

// "a list", "a mapping", "empty", "'abc'": what a node is, for messages.
std::string describe(const YAML::Node& node);

}  // namespace loadgen::scenario
