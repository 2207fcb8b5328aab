#include "harness/slo/evaluate.hpp"

#include <cmath>
#include <map>

#include <gtest/gtest.h>

namespace loadgen::slo {
namespace {

std::vector<Expression> expressions(std::initializer_list<const char*> texts) {
  std::vector<Expression> out;
  for (const char* t : texts) {
    auto e = parse(t);
    EXPECT_TRUE(e.ok()) << t;
    if (e.ok())
      out.push_back(*e);
  }
  return out;
}

// Observations keyed by "metric.stat", as a run would report them.
auto observe_from(std::map<std::string, double> values) {
  return [values = std::move(values)](const Expression& e) -> std::optional<double> {
    const auto it = values.find(e.metric + "." + e.stat);
    if (it == values.end())
      return std::nullopt;
    return it->second;
  };
}

std::optional<double> no_symbols(std::string_view) {
  return std::nullopt;
}

TEST(SloEvaluate, PassAndFailWithDetail) {
  const auto verdicts =
      evaluate(expressions({"http.p99 < 200ms", "list_items.p99 < 200ms"}),
               observe_from({{"http.p99", 150e6}, {"list_items.p99", 212e6}}), no_symbols);
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[0].pass);
  EXPECT_EQ(verdicts[0].detail, "p99=150ms, threshold < 200ms");
  EXPECT_FALSE(verdicts[1].pass);
  EXPECT_EQ(verdicts[1].detail, "p99=212ms, threshold < 200ms");
  EXPECT_DOUBLE_EQ(*verdicts[1].observed, 212e6);
  EXPECT_EQ(verdicts[1].expr.metric, "list_items");
}

TEST(SloEvaluate, NoSamplesFails) {
  // A misspelt or unmeasured metric must never pass a CI gate.
  const auto verdicts = evaluate(expressions({"http.errors == 0", "http.p99 < 1s"}),
                                 observe_from({{"http.p99", std::nan("")}}), no_symbols);
  ASSERT_EQ(verdicts.size(), 2u);
  for (const auto& v : verdicts) {
    EXPECT_FALSE(v.pass);
    EXPECT_FALSE(v.observed);
    EXPECT_EQ(v.detail, "no samples");
  }
}

TEST(SloEvaluate, SymbolicTargetRate) {
  const auto exprs = expressions({"http.rps >= target"});
  auto target = [](std::string_view symbol) -> std::optional<double> {
    return symbol == "target" ? std::optional(500.0) : std::nullopt;
  };
  auto v = evaluate(exprs, observe_from({{"http.rps", 480}}), target);
  EXPECT_FALSE(v[0].pass);
  EXPECT_EQ(v[0].detail, "rps=480/s, threshold >= target (500/s)");
  v = evaluate(exprs, observe_from({{"http.rps", 505}}), target);
  EXPECT_TRUE(v[0].pass);
  v = evaluate(exprs, observe_from({{"http.rps", 505}}), no_symbols);
  EXPECT_FALSE(v[0].pass);
  EXPECT_EQ(v[0].detail, "rps=505/s, no value for 'target'");
}

TEST(SloEvaluate, UnitsOfEachQuantityInDetail) {
  const auto v = evaluate(
      expressions({"http.error_rate < 0.1%", "target.rss.max < 500MB", "http.dropped == 0"}),
      observe_from(
          {{"http.error_rate", 0.0012}, {"target.rss.max", 100 * 1048576.0}, {"http.dropped", 0}}),
      no_symbols);
  EXPECT_FALSE(v[0].pass);
  EXPECT_EQ(v[0].detail, "error_rate=0.12%, threshold < 0.1%");
  EXPECT_TRUE(v[1].pass);
  EXPECT_EQ(v[1].detail, "max=100MiB, threshold < 477MiB");
  EXPECT_TRUE(v[2].pass);
  EXPECT_EQ(v[2].detail, "dropped=0, threshold == 0");
}

}  // namespace
}  // namespace loadgen::slo
