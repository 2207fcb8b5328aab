#include "harness/scenario/suggest.hpp"

#include <array>

#include <gtest/gtest.h>

namespace loadgen::scenario {
namespace {

TEST(EditDistance, CountsEditsAndSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("max_inflight", "max_in_flight"), 1u);
  EXPECT_EQ(edit_distance("tiemout", "timeout"), 1u);  // a swap is one edit
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Nearest, OnlyLikelyTypos) {
  constexpr std::array<std::string_view, 4> keys = {"max_in_flight", "think", "warmup", "threads"};
  EXPECT_EQ(nearest("max_inflight", keys), "max_in_flight");
  EXPECT_EQ(nearest("thraeds", keys), "threads");
  EXPECT_FALSE(nearest("duration", keys));
  EXPECT_FALSE(nearest("warmup", keys));  // an exact match is not a suggestion
  EXPECT_EQ(did_you_mean("warmpu", keys), " (did you mean 'warmup'?)");
  EXPECT_EQ(did_you_mean("zzz", keys), "");
  const std::vector<std::string> names = {"list_items", "submit_job"};
  EXPECT_EQ(nearest("list_item", names), "list_items");
}

}  // namespace
}  // namespace loadgen::scenario
