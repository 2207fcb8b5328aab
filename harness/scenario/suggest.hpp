#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

// "Did you mean ...?" for misspelt keys, names and variables.
namespace loadgen::scenario {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring characters each cost 1 ("max_inflight" -> "max_in_flight" is 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a likely typo: at most 1 edit
// for words of up to 3 characters, 2 up to 6, 3 beyond. Ties go to the earlier candidate.
std::optional<std::string> nearest(std::string_view word,
                                   std::span<const std::string_view> candidates);
std::optional<std::string> nearest(std::string_view word, std::span<const std::string> candidates);

// " (did you mean 'x'?)", or "" when nothing is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);
std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

}  // namespace loadgen::scenario
