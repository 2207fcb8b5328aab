#include <gtest/gtest.h>

#include "targets/refserver/query.hpp"
#include "targets/refserver/text.hpp"

namespace loadgen::refserver {
namespace {

TEST(RefserverText, TrimRemovesSpacesTabsAndNewlines) {
  EXPECT_EQ(trim("  /tmp/x.db\n"), "/tmp/x.db");
  EXPECT_EQ(trim("\t8080\r\n"), "8080");
  EXPECT_EQ(trim(" \n "), "");
}

TEST(RefserverText, ParseIntAcceptsWholeNumbersOnly) {
  EXPECT_EQ(parse_int(" 42\n"), 42);
  EXPECT_EQ(parse_int("+7"), 7);
  EXPECT_EQ(parse_int("-3"), -3);
  EXPECT_FALSE(parse_int("abc"));
  EXPECT_FALSE(parse_int("12abc"));
  EXPECT_FALSE(parse_int(""));
  EXPECT_FALSE(parse_int("99999999999999999999"));
}

TEST(RefserverText, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_FALSE(percent_decode("bad%2", true));
  EXPECT_FALSE(percent_decode("bad%zz", true));
}

TEST(RefserverQuery, ParsesDecodesAndFindsFirstValue) {
  auto params = QueryParams::parse("limit=10&cursor=a%2Bb&limit=20&flag");
  ASSERT_TRUE(params);
  EXPECT_EQ(params->get("limit"), "10");
  EXPECT_EQ(params->get("cursor"), "a+b");
  EXPECT_EQ(params->get("flag"), "");
  EXPECT_FALSE(params->get("missing"));
}

TEST(RefserverQuery, MalformedEscapeNamesTheParameter) {
  auto params = QueryParams::parse("cursor=%zz");
  ASSERT_FALSE(params);
  EXPECT_NE(params.error().find("cursor"), std::string::npos);
}

TEST(RefserverQuery, IntParamUsesFallbackAndChecksRange) {
  auto params = QueryParams::parse("limit=5000&offset=x&empty=").value();
  EXPECT_EQ(int_param(params, "absent", 50, 1, 1000).value(), 50);
  EXPECT_EQ(int_param(params, "empty", 50, 1, 1000).value(), 50);
  auto too_big = int_param(params, "limit", 50, 1, 1000);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error(), "query parameter 'limit' must be an integer in 1..1000, got '5000'");
  EXPECT_FALSE(int_param(params, "offset", 0, 0, 10));
}

}  // namespace
}  // namespace loadgen::refserver
