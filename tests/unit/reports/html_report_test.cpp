// report.html: the escaping of user text, the data block the charts draw from (golden), the
// percentile spectrum's axis, and that every section is there, with or without data.
#include "reports/html/html_report.hpp"

#include <regex>

#include <gtest/gtest.h>

#include "reports/html/html_escape.hpp"
#include "reports/html/html_sections.hpp"
#include "reports/html/report_data.hpp"
#include "tests/tools/synthetic_run.hpp"

namespace loadgen::reports::html {
namespace {

using nlohmann::json;

TEST(HtmlEscape, EscapesTheFiveMetacharacters) {
  EXPECT_EQ(escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(escape("plain text, ü"), "plain text, ü");
}

TEST(HtmlEscape, ScriptJsonCannotCloseTheScriptElement) {
  const json j = {{"yaml", "</script><!-- & -->"}};
  EXPECT_EQ(script_json(j), R"({"yaml":"\u003c/script\u003e\u003c!-- \u0026 --\u003e"})");
  EXPECT_EQ(json::parse(script_json(j)), j) << "still the same JSON";
  EXPECT_EQ(script_json(json("bad \xff byte")), "\"bad \xEF\xBF\xBD byte\"")
      << "invalid UTF-8 is replaced, not thrown";
}

TEST(HtmlSections, ThresholdIsTheRightHandSideOfTheExpression) {
  EXPECT_EQ(threshold_of("http.p99 < 200ms"), "< 200ms");
  EXPECT_EQ(threshold_of("http.rps >= 450"), ">= 450");
  EXPECT_EQ(threshold_of("http.dropped == 0"), "== 0");
  EXPECT_EQ(threshold_of("a<b.p50<=1ms"), "<=1ms") << "the last operator, not one inside a name";
}

TEST(HtmlSections, DurationsReadAsAClock) {
  EXPECT_EQ(duration_text(42), "42.0 s");
  EXPECT_EQ(duration_text(750), "12:30");
  EXPECT_EQ(duration_text(86'400), "24:00:00");
}

run::Result tiny_run() {
  run::Result r;
  r.scenario = "tiny";
  r.model = "arrival-rate";
  r.duration_s = 2;
  r.warmup_s = 1;
  for (int i = 0; i < 2; ++i) {
    run::TimelinePoint p;
    p.t_s = 1.0004 + i;
    p.length_s = 1;
    p.stage = i == 0 ? "ramp" : "hold";
    p.target_level = 10 * (i + 1);
    p.rps = 9.996 + 10 * i;
    p.in_flight = 2 + i;
    p.dropped = static_cast<uint64_t>(i);
    p.p50_ms = 1.23456;
    p.p90_ms = 2;
    p.p99_ms = 3;
    p.max_ms = 4.1;
    p.service_p50_ms = 1;
    p.service_p99_ms = 2.5;
    if (i == 1)
      p.errors_by_kind["timeout"] = 1;
    p.errors = i == 1 ? 1 : 0;
    r.timeline.push_back(p);
  }
  r.by_name.resize(1);
  r.by_name[0].name = "get";
  for (int v = 1; v <= 100; ++v) {
    r.corrected.record(v * 1'000'000);
    r.by_name[0].corrected.record(v * 1'000'000);
  }
  return r;
}

// The data block is an interface between C++ and report.js: a change must be deliberate.
TEST(ReportData, GoldenDataBlock) {
  auto data = report_data(tiny_run());
  // The spectrum grid is checked below; here only its first points.
  auto& spectrum = data["spectrum"];
  spectrum["x"] = json::array({spectrum["x"][0], spectrum["x"][20]});
  for (auto& column : spectrum["values"])
    column = json::array({column[0], column[20], column[40], column[41]});
  EXPECT_EQ(
      data.dump(),
      R"({"duration_s":2.0,"format":1,"model":"arrival-rate","resources":{"loadgen":null,"target":null},)"
      R"("spectrum":{"series":[{"kind":"corrected","label":"all requests"},{"kind":"corrected","label":"get"}],)"
      R"("values":[[1.0,90.046,99.025,100.008],[1.0,90.046,99.025,100.008]],"x":[1.0,10.0]},)"
      R"("startup":null,"timeline":{"dropped":[0,1],"errors":[0,1],"errors_by_kind":{"timeout":[0,1]},)"
      R"("in_flight":[2,3],"max":[4.1,4.1],"p50":[1.235,1.235],"p90":[2.0,2.0],"p99":[3.0,3.0],)"
      R"("rps":[10.0,20.0],"send_lag_p99":[0.0,0.0],"service_p50":[1.0,1.0],"service_p99":[2.5,2.5],)"
      R"("stages":[{"from":0.0,"name":"ramp","to":1.0},{"from":1.0,"name":"hold","to":2.0}],)"
      R"("t":[1.0,2.0],"target":[10.0,20.0],"users":[0,0]},"warmup_s":1.0})");
}

TEST(ReportData, SpectrumIsOnTheLogAxisAndEndsAtTheMax) {
  const auto run = tiny_run();
  const auto s = percentile_spectrum({&run.corrected});
  ASSERT_GE(s.x.size(), 41u);
  EXPECT_DOUBLE_EQ(s.x[0], 1.0);
  EXPECT_NEAR(s.x[20], 10.0, 1e-9) << "20 points per decade: x = 10 is p90";
  EXPECT_NEAR(s.x[40], 100.0, 1e-9) << "x = 100 is p99";
  EXPECT_GT(s.x.back(), 100.0) << "one point past the count";
  const auto& v = s.values_ms[0];
  EXPECT_NEAR(*v[20], 90.0, 0.1);
  EXPECT_NEAR(*v[40], 99.0, 0.1) << "p99 of 1..100 ms";
  EXPECT_NEAR(*v[41], 100.0, 0.1) << "the line ends at the max";
  EXPECT_EQ(v.size(), 42u) << "and nothing after it";
  for (size_t i = 1; i < v.size() && v[i]; ++i)
    EXPECT_GE(*v[i], *v[i - 1]) << "monotone at " << i;
}

TEST(ReportData, LargeSoakStaysCompact) {
  const auto run = testing::synthetic_run(86'400, 1);
  const auto text = script_json(report_data(run));
  // 86,400 points of 14 series: a few MB, not tens.
  EXPECT_LT(text.size(), 16u * 1024 * 1024) << text.size();
  EXPECT_EQ(report_data(run)["timeline"]["t"].size(), 86'400u);
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

TEST(HtmlReport, HasEverySectionAndEscapesUserText) {
  const auto run = testing::synthetic_run(20);
  const auto page = html_report(run, json{{"host", "box <1>"}, {"cpus", 2}});
  for (const char* id : kSectionIds) {
    EXPECT_NE(page.find(std::string("<section id=\"") + id + "\""), std::string::npos) << id;
  }
  // The user's "<script>" never appears raw: only the page's own four script elements.
  EXPECT_EQ(count_of(page, "<script"), 4u);
  EXPECT_EQ(count_of(page, "</script>"), 4u);
  EXPECT_NE(page.find("soak &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"),
            std::string::npos);
  EXPECT_NE(page.find("# &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos)
      << "the YAML";
  EXPECT_NE(page.find("submit &lt;job&gt;"), std::string::npos);
  EXPECT_NE(page.find("timed out after 5s &lt;no body&gt;"), std::string::npos)
      << "first error message";
  EXPECT_NE(page.find("fatal: cannot open &lt;db&gt; &amp; &quot;quit&quot;"), std::string::npos)
      << "stderr tail";
  EXPECT_NE(page.find("box &lt;1&gt;"), std::string::npos) << "context";
  EXPECT_NE(page.find("data-chart=\"startup-1\""), std::string::npos) << "staged beside sequential";
  EXPECT_NE(page.find("loadgen itself used"), std::string::npos) << "saturation warning";
  EXPECT_EQ(page.find("http://") == std::string::npos ? 0 : count_of(page, "src=\"http"), 0u)
      << "nothing fetched";
}

TEST(HtmlReport, SectionsWithoutDataSaySoPlainly) {
  run::Result r;
  r.scenario = "empty";
  r.verdict = "fail";
  const auto page = html_report(r, nullptr);
  for (const char* id : kSectionIds) {
    EXPECT_NE(page.find(std::string("<section id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(page.find("No start-up was timed in this run"), std::string::npos);
  EXPECT_NE(page.find("No resources were sampled in this run"), std::string::npos);
  EXPECT_NE(page.find("No interval was measured"), std::string::npos);
  EXPECT_NE(page.find("No errors."), std::string::npos);
  EXPECT_NE(page.find("No latency histogram"), std::string::npos);
}

}  // namespace
}  // namespace loadgen::reports::html
