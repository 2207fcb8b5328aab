#include "harness/core/csv.hpp"

namespace loadgen::core {

bool split_csv_line(std::string_view line, std::vector<std::string>& out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (count == out.size()) out.emplace_back();
    auto& field = out[count++];
    field.clear();
    return field;
  };
  size_t i = 0;
  for (;;) {
    auto& field = next_field();
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return false;  // the quote was never closed
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') return false;
    } else {
      const auto comma = line.find(',', i);
      const auto end = comma == std::string_view::npos ? line.size() : comma;
      field.assign(line.substr(i, end - i));
      i = end;
    }
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  out.resize(count);
  return true;
}

}  // namespace loadgen::core
