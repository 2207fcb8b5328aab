#include "targets/batching/sql_text.hpp"

namespace loadgen::targets {

std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (const char c : name) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  quoted += '"';
  return quoted;
}

std::string insert_statement(std::string_view table, const std::vector<std::string>& columns) {
  std::string names;
  std::string placeholders;
  for (const auto& column : columns) {
    if (!names.empty()) {
      names += ", ";
      placeholders += ", ";
    }
    names += quote_identifier(column);
    placeholders += '?';
  }
  return "INSERT INTO " + quote_identifier(table) + " (" + names + ") VALUES (" + placeholders +
         ")";
}

}  // namespace loadgen::targets
