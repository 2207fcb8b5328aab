#include "harness/scenario/suggest.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace loadgen::scenario {
namespace {

size_t allowed_edits(std::string_view word) {
  if (word.size() <= 3)
    return 1;
  return word.size() <= 6 ? 2 : 3;
}

template <typename Candidates>
std::optional<std::string> nearest_of(std::string_view word, const Candidates& candidates) {
  std::optional<std::string> best;
  size_t best_distance = allowed_edits(word) + 1;
  for (const auto& candidate : candidates) {
    const size_t d = edit_distance(word, candidate);
    if (d < best_distance && d > 0) {
      best_distance = d;
      best = std::string(candidate);
    }
  }
  return best;
}

std::string phrase(const std::optional<std::string>& best) {
  return best ? fmt::format(" (did you mean '{}'?)", *best) : std::string();
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows suffice: a swap looks two rows back.
  std::vector<size_t> before(b.size() + 1);
  std::vector<size_t> previous(b.size() + 1);
  std::vector<size_t> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> nearest(std::string_view word,
                                   std::span<const std::string_view> candidates) {
  return nearest_of(word, candidates);
}

std::optional<std::string> nearest(std::string_view word, std::span<const std::string> candidates) {
  return nearest_of(word, candidates);
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  return phrase(nearest(word, candidates));
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
  return phrase(nearest(word, candidates));
}

}  // namespace loadgen::scenario
