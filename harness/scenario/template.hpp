#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

namespace loadgen::scenario {

// A string with ${name} placeholders, split once so that per-request expansion is a cheap
// concatenation. "$${" is a literal "${". Names: [A-Za-z_][A-Za-z0-9_.:-]* (e.g. env:HOME),
// optionally followed by ":-" and a default that may hold any character but '}'
// (e.g. env:HOST:-127.0.0.1). parse(t.text()) gives t back, except for a literal that ends in
// '$' right before a variable (no source form can say that).
class Template {
 public:
  Template() = default;
  static core::Expected<Template> parse(std::string_view text);
  static Template literal(std::string text);

  // Replaces the variables `lookup` knows (returns a value), keeps the others as placeholders.
  Template bind(const std::function<std::optional<std::string>(std::string_view)>& lookup) const;
  // Expands every variable; those `lookup` does not know are left as "${name}".
  std::string expand(const std::function<std::optional<std::string>(std::string_view)>& lookup) const;

  bool is_literal() const {  // without allocating: adjacent literal pieces are always merged
    return pieces_.empty() || (pieces_.size() == 1 && !pieces_.front().is_variable);
  }
  std::vector<std::string> variables() const;  // names still unresolved, in order
  std::string text() const;                    // back to "${...}" source form
  const std::string& literal_text() const;     // only when is_literal()

 private:
  struct Piece {
    bool is_variable = false;
    std::string text;  // literal text, or the variable name
  };
  std::vector<Piece> pieces_;
};

}  // namespace loadgen::scenario
