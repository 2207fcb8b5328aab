#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Small string helpers shared by the configuration and the HTTP layer.
namespace loadgen::refserver {

// Without leading and trailing whitespace (spaces, tabs, CR, LF): flags often arrive from
// shell scripts and YAML with a stray newline.
std::string_view trim(std::string_view text);

std::vector<std::string_view> split(std::string_view text, char separator);

// A whole decimal integer (after trimming); nullopt for anything else, including overflow.
std::optional<std::int64_t> parse_int(std::string_view text);

// Decodes %XX escapes and, when `plus_is_space`, '+' (as in query strings). nullopt when an
// escape is malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

std::string to_lower(std::string_view text);

}  // namespace loadgen::refserver
