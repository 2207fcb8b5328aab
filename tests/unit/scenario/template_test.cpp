#include "harness/scenario/template.hpp"

#include <gtest/gtest.h>

namespace loadgen::scenario {
namespace {

std::optional<std::string> known(std::string_view name) {
  if (name == "tmp")
    return "/tmp/x";
  if (name == "seq")
    return "7";
  return std::nullopt;
}

TEST(Template, SplitsVariablesOnce) {
  auto t = Template::parse("/api/${seq}/items?tmp=${tmp}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->variables(), (std::vector<std::string>{"seq", "tmp"}));
  EXPECT_FALSE(t->is_literal());
  EXPECT_EQ(t->expand(known), "/api/7/items?tmp=/tmp/x");
  EXPECT_EQ(t->text(), "/api/${seq}/items?tmp=${tmp}");
}

TEST(Template, BindKeepsUnknownVariables) {
  auto t = Template::parse("${tmp}/db-${uuid}.sqlite3");
  ASSERT_TRUE(t.ok());
  const auto bound = t->bind(known);
  EXPECT_EQ(bound.variables(), std::vector<std::string>{"uuid"});
  EXPECT_EQ(bound.text(), "/tmp/x/db-${uuid}.sqlite3");
  EXPECT_EQ(bound.expand(known), "/tmp/x/db-${uuid}.sqlite3");
  const auto all = bound.bind([](std::string_view) { return std::optional<std::string>("u"); });
  ASSERT_TRUE(all.is_literal());
  EXPECT_EQ(all.literal_text(), "/tmp/x/db-u.sqlite3");
}

TEST(Template, DollarDollarBraceIsALiteral) {
  auto t = Template::parse("cost $5 and $${not_a_var} ${seq}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->variables(), std::vector<std::string>{"seq"});
  EXPECT_EQ(t->expand(known), "cost $5 and ${not_a_var} 7");
  // text() escapes again, so it parses back to the same template.
  EXPECT_EQ(t->text(), "cost $5 and $${not_a_var} ${seq}");
  EXPECT_EQ(Template::parse(t->text())->expand(known), t->expand(known));
}

TEST(Template, LiteralsAndEmpty) {
  EXPECT_TRUE(Template().is_literal());
  EXPECT_EQ(Template().literal_text(), "");
  EXPECT_EQ(Template::literal("${x}").literal_text(), "${x}");
  EXPECT_EQ(Template::literal("${x}").text(), "$${x}");
  auto t = Template::parse("plain");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->is_literal());
  EXPECT_EQ(t->literal_text(), "plain");
}

TEST(Template, EnvNamesAndDefaults) {
  auto t = Template::parse("${env:HOME}|${env:HOST:-127.0.0.1:8080/x y}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->variables(), (std::vector<std::string>{"env:HOME", "env:HOST:-127.0.0.1:8080/x y"}));
}

TEST(Template, Errors) {
  EXPECT_EQ(Template::parse("/a/${seq").error(), "'${' at column 4 is not closed by '}'");
  EXPECT_EQ(Template::parse("${}").error(),
            "'${}' at column 1 is not a variable name (letters, digits, _ . : -)");
  EXPECT_EQ(Template::parse("x${a b}").error(),
            "'${a b}' at column 2 is not a variable name (letters, digits, _ . : -)");
  EXPECT_FALSE(Template::parse("${9lives}").ok());
}

}  // namespace
}  // namespace loadgen::scenario
