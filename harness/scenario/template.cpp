#include "harness/scenario/template.hpp"

#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace loadgen::scenario {
namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' ||
         c == '-';
}

// "env:HOME", "tmp", "env:HOST:-127.0.0.1": after ":-" comes a default, which may hold any
// character but '}'.
bool is_valid_name(std::string_view name) {
  const auto head = name.substr(0, name.find(":-"));
  if (head.empty() || !is_name_start(head.front()))
    return false;
  for (char c : head) {
    if (!is_name_char(c))
      return false;
  }
  return true;
}

}  // namespace

core::Expected<Template> Template::parse(std::string_view text) {
  Template t;
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      literal += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      literal += text[i++];
      continue;
    }
    const auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return core::Expected<Template>::failure(
          fmt::format("'${{' at column {} is not closed by '}}'", i + 1));
    }
    const auto name = text.substr(i + 2, close - i - 2);
    if (!is_valid_name(name)) {
      return core::Expected<Template>::failure(fmt::format(
          "'${{{}}}' at column {} is not a variable name (letters, digits, _ . : -)", name, i + 1));
    }
    if (!literal.empty())
      t.pieces_.push_back({false, std::exchange(literal, {})});
    t.pieces_.push_back({true, std::string(name)});
    i = close + 1;
  }
  if (!literal.empty())
    t.pieces_.push_back({false, std::move(literal)});
  return t;
}

Template Template::literal(std::string text) {
  Template t;
  if (!text.empty())
    t.pieces_.push_back({false, std::move(text)});
  return t;
}

Template Template::bind(
    const std::function<std::optional<std::string>(std::string_view)>& lookup) const {
  Template out;
  // Adjacent literal pieces are merged, so a fully bound template is one literal piece.
  const auto append_literal = [&out](const std::string& text) {
    if (text.empty())
      return;
    if (!out.pieces_.empty() && !out.pieces_.back().is_variable) {
      out.pieces_.back().text += text;
    } else {
      out.pieces_.push_back({false, text});
    }
  };
  for (const auto& piece : pieces_) {
    if (!piece.is_variable) {
      append_literal(piece.text);
    } else if (auto value = lookup(piece.text)) {
      append_literal(*value);
    } else {
      out.pieces_.push_back(piece);
    }
  }
  return out;
}

std::string Template::expand(
    const std::function<std::optional<std::string>(std::string_view)>& lookup) const {
  std::string out;
  for (const auto& piece : pieces_) {
    if (!piece.is_variable) {
      out += piece.text;
    } else if (auto value = lookup(piece.text)) {
      out += *value;
    } else {
      out += "${" + piece.text + "}";
    }
  }
  return out;
}

std::vector<std::string> Template::variables() const {
  std::vector<std::string> names;
  for (const auto& piece : pieces_) {
    if (piece.is_variable)
      names.push_back(piece.text);
  }
  return names;
}

std::string Template::text() const {
  std::string out;
  for (const auto& piece : pieces_) {
    if (piece.is_variable) {
      out += "${" + piece.text + "}";
      continue;
    }
    // Escape literal "${" so that parse(text()) gives this template back.
    for (size_t i = 0; i < piece.text.size(); ++i) {
      if (piece.text.compare(i, 2, "${") == 0)
        out += '$';
      out += piece.text[i];
    }
  }
  return out;
}

const std::string& Template::literal_text() const {
  LG_CHECK(is_literal(), "literal_text() on a template with variables");
  static const std::string kEmpty;
  return pieces_.empty() ? kEmpty : pieces_.front().text;
}

}  // namespace loadgen::scenario
