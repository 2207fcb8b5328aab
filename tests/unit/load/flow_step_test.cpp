#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/core/csv.hpp"
#include "harness/load/feed.hpp"
#include "harness/load/flow_step.hpp"

namespace loadgen::load {
namespace {

using scenario::Extract;

http::Response step_response(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(FlowStep, ExtractsEachKindAndSaysWhatIsMissing) {
  const std::vector<Extract> specs = {
      {"id", Extract::From::kJson, "/job/id", std::nullopt},
      {"name", Extract::From::kJson, "/name", std::nullopt},
      {"loc", Extract::From::kHeader, "location", std::nullopt},
      {"tok", Extract::From::kRegex, "token=(\\w+)", std::nullopt},
      {"gone", Extract::From::kJson, "/gone", std::string("fallback")},
      {"nul", Extract::From::kJson, "/nul", std::string("was-null")},
  };
  const auto compiled = compile_extracts(specs);
  const auto r = step_response(200, R"({"job":{"id":7},"name":"x","nul":null,"note":"token=abc1;"})",
                          {{"Location", "/jobs/7"}});
  LazyJson json(r.body);
  FlowVars vars;
  std::string error;
  ASSERT_TRUE(extract_values(compiled, r, json, "", vars, error)) << error;
  EXPECT_EQ(*vars.find("id"), "7");
  EXPECT_EQ(*vars.find("name"), "x");
  EXPECT_EQ(*vars.find("loc"), "/jobs/7");
  EXPECT_EQ(*vars.find("tok"), "abc1");
  EXPECT_EQ(*vars.find("gone"), "fallback");
  EXPECT_EQ(*vars.find("nul"), "was-null");

  const std::vector<Extract> strict = {{"cursor", Extract::From::kJson, "/next", std::nullopt}};
  const auto c = compile_extracts(strict);
  const auto end = step_response(200, R"({"next":null})");
  LazyJson end_json(end.body);
  EXPECT_FALSE(extract_values(c, end, end_json, "", vars, error));
  EXPECT_EQ(error, "extract cursor: JSON pointer '/next' found nothing in the response (HTTP 200)");
  // The repeat_while variable may go missing: that ends the walk.
  vars.set("cursor", "c1");
  EXPECT_TRUE(extract_values(c, end, end_json, "cursor", vars, error));
  EXPECT_FALSE(vars.present("cursor"));
  const auto text = step_response(502, "Bad Gateway");
  LazyJson text_json(text.body);
  EXPECT_FALSE(extract_values(c, text, text_json, "", vars, error));
  EXPECT_EQ(error, "extract cursor: JSON pointer '/next' found nothing in the response (HTTP 502, body is not JSON)");
}

TEST(FlowStep, UntilNeedsEveryCondition) {
  scenario::Until until;
  until.pointer = "/status";
  until.any_of_json = {"\"running\"", "\"done\""};
  auto met = [&](int status, const std::string& body) {
    const auto r = step_response(status, body);
    LazyJson json(r.body);
    return until_met(until, r, json);
  };
  EXPECT_TRUE(met(200, R"({"status":"done"})"));
  EXPECT_TRUE(met(200, R"({"status":"running"})"));
  EXPECT_FALSE(met(200, R"({"status":"queued"})"));
  EXPECT_FALSE(met(200, R"({"other":1})"));
  EXPECT_FALSE(met(200, "not json"));
  until.statuses = {200};
  EXPECT_FALSE(met(202, R"({"status":"done"})"));
  until.pointer.clear();
  EXPECT_TRUE(met(200, "anything"));
}

TEST(FlowStep, ThinkTimesStayInTheirRange) {
  std::mt19937_64 rng(1);
  using std::chrono::milliseconds;
  scenario::Think fixed{scenario::Think::Kind::kFixed, milliseconds(5), {}};
  EXPECT_EQ(draw_think(fixed, rng), milliseconds(5));
  scenario::Think uniform{scenario::Think::Kind::kUniform, milliseconds(10), milliseconds(20)};
  scenario::Think expo{scenario::Think::Kind::kExponential, milliseconds(10), {}};
  double sum = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto u = draw_think(uniform, rng);
    EXPECT_GE(u, milliseconds(10));
    EXPECT_LE(u, milliseconds(20));
    const auto e = draw_think(expo, rng);
    EXPECT_LE(e, milliseconds(200));  // capped at 20 means
    sum += static_cast<double>(e.count());
  }
  EXPECT_NEAR(sum / 2000 / 1e6, 10.0, 1.5);  // the mean, within sampling error
}

TEST(Csv, SplitsQuotedFields) {
  std::vector<std::string> out;
  ASSERT_TRUE(core::split_csv_line("a,\"b, c\",\"say \"\"hi\"\"\",\r", out));
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b, c", "say \"hi\"", ""}));
  ASSERT_TRUE(core::split_csv_line("", out));
  EXPECT_EQ(out, (std::vector<std::string>{""}));
  EXPECT_FALSE(core::split_csv_line("a,\"open", out));
  EXPECT_FALSE(core::split_csv_line("\"a\"b,c", out));
}

class FeedTest : public ::testing::Test {
 protected:
  scenario::FeedSpec spec(const std::string& content, scenario::FeedSpec::Order order, scenario::FeedSpec::AtEnd at_end,
                          std::vector<std::string> columns = {"id"}) {
    path_ = (std::filesystem::temp_directory_path() / ("lg-feed-" + std::to_string(::getpid()) + ".csv")).string();
    std::ofstream(path_) << content;
    scenario::FeedSpec s;
    s.name = "f";
    s.path = path_;
    s.order = order;
    s.at_end = at_end;
    s.window = 3;
    s.columns = std::move(columns);
    return s;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  static std::vector<std::string> drain(Feed& feed, int most) {
    std::vector<std::string> out, row;
    for (int i = 0; i < most && feed.next(row); ++i) out.push_back(row.at(0));
    return out;
  }
  std::string path_;
};

using Order = scenario::FeedSpec::Order;
using AtEnd = scenario::FeedSpec::AtEnd;

TEST_F(FeedTest, SequentialWrapsSkippingBadRows) {
  auto feed = Feed::open(spec("id\n1\n\n2,extra\n3\n", Order::kSequential, AtEnd::kWrap), 1);
  ASSERT_TRUE(feed) << feed.error();
  EXPECT_EQ(drain(**feed, 9), (std::vector<std::string>{"1", "3", "1", "3", "1", "3", "1", "3", "1"}));
  EXPECT_EQ((*feed)->bad_rows(), 1u);  // one bad row in the file, however many passes
  EXPECT_FALSE((*feed)->exhausted());
}

TEST_F(FeedTest, UniqueStopsAfterTheLastRow) {
  auto feed = Feed::open(spec("id\na\nb\n", Order::kUnique, AtEnd::kStop), 1);
  ASSERT_TRUE(feed);
  EXPECT_EQ(drain(**feed, 5), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE((*feed)->exhausted());
}

TEST_F(FeedTest, RandomWithStopUsesEachRowOnce) {
  std::string csv = "id\n";
  for (int i = 0; i < 20; ++i) csv += std::to_string(i) + "\n";
  auto feed = Feed::open(spec(csv, Order::kRandom, AtEnd::kFail), 7);
  ASSERT_TRUE(feed);
  const auto rows = drain(**feed, 100);
  EXPECT_EQ(rows.size(), 20u);
  EXPECT_EQ(std::set<std::string>(rows.begin(), rows.end()).size(), 20u);
  std::vector<std::string> in_order;
  for (int i = 0; i < 20; ++i) in_order.push_back(std::to_string(i));
  EXPECT_NE(rows, in_order);  // shuffled within the window
}

TEST_F(FeedTest, RandomWithWrapNeverEnds) {
  auto feed = Feed::open(spec("id\nx\ny\n", Order::kRandom, AtEnd::kWrap), 3);
  ASSERT_TRUE(feed);
  EXPECT_EQ(drain(**feed, 50).size(), 50u);
}

TEST_F(FeedTest, JsonLinesRowsByKey) {
  auto s = spec("{\"id\":\"a\",\"n\":1}\n[1]\n{\"n\":2}\n{\"n\":3,\"id\":\"c\"}\n", Order::kSequential, AtEnd::kStop,
                {"id", "n"});
  s.format = scenario::FeedSpec::Format::kJsonLines;
  auto feed = Feed::open(s, 1);
  ASSERT_TRUE(feed);
  std::vector<std::string> row;
  ASSERT_TRUE((*feed)->next(row));
  EXPECT_EQ(row, (std::vector<std::string>{"a", "1"}));
  ASSERT_TRUE((*feed)->next(row));
  EXPECT_EQ(row, (std::vector<std::string>{"c", "3"}));
  EXPECT_FALSE((*feed)->next(row));
  EXPECT_EQ((*feed)->bad_rows(), 2u);
}

}  // namespace
}  // namespace loadgen::load
