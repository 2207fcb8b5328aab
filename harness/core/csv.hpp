#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loadgen::core {

// Splits one CSV record into `out` (reusing its strings): fields separated by ',', a field in
// double quotes may hold commas and doubled quotes ("a ""b"""), not line breaks. A trailing
// '\r' is dropped. False when a quote is left open or text follows a closing quote.
bool split_csv_line(std::string_view line, std::vector<std::string>& out);

}  // namespace loadgen::core
