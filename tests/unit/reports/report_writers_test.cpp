// Golden tests of the CI outputs: what a CI system parses must not drift unnoticed.
#include <gtest/gtest.h>

#include "reports/baselines/comparison_text.hpp"
#include "reports/console_report.hpp"
#include "reports/junit_report.hpp"
#include "reports/markdown_report.hpp"

namespace loadgen::reports {
namespace {

run::Result sample_result() {
  run::Result r;
  r.scenario = "smoke";
  r.started_at = "2026-11-22T14:00:00.000Z";
  r.duration_s = 10.0;
  r.planned_duration_s = 10.0;
  r.verdict = "fail";
  r.target_rps = 200;
  r.achieved_rps = 199.5;
  r.requests.sent = 1995;
  r.requests.completed = 1990;
  r.requests.errors = 5;
  r.requests.errors_by_kind = {{"timeout", 5}};
  r.first_errors = {{"timeout", "The socket was closed due to a timeout"}};
  r.latency = {1995, 0.2, 3.1, 1.5, 4.0, 6.0, 312.0, 480.0, 500.0};
  r.slo = {{"http.p99 < 250ms", 312e6, "312ms", false, "p99=312ms, threshold < 250ms", {}, "ns"},
           {"http.error_rate < 1%", 0.0025, "0.25%", true, "error_rate=0.25%, threshold < 1%", {}, "ratio"},
           {"list_items.p50 < 5ms", std::nullopt, "no samples", false, "no samples", {}, "ns"}};
  return r;
}

TEST(JunitReport, OneTestCasePerSloWithObservedValues) {
  EXPECT_EQ(junit_xml(sample_result()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"loadgen\" tests=\"3\" failures=\"2\" time=\"10.000\">\n"
            "  <testsuite name=\"smoke\" tests=\"3\" failures=\"2\" errors=\"0\" time=\"10.000\" "
            "timestamp=\"2026-11-22T14:00:00.000Z\">\n"
            "    <testcase classname=\"http\" name=\"http.p99 &lt; 250ms\" time=\"10.000\">\n"
            "      <failure message=\"p99=312ms, threshold &lt; 250ms\" type=\"slo\">observed 312ms; required "
            "http.p99 &lt; 250ms</failure>\n"
            "    </testcase>\n"
            "    <testcase classname=\"http\" name=\"http.error_rate &lt; 1%\" time=\"10.000\"/>\n"
            "    <testcase classname=\"list_items\" name=\"list_items.p50 &lt; 5ms\" time=\"10.000\">\n"
            "      <failure message=\"no samples\" type=\"no_samples\"/>\n"
            "    </testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(JunitReport, AnInterruptedRunIsAFailure) {
  auto r = sample_result();
  r.slo.clear();
  r.interrupted = true;
  r.duration_s = 3.0;
  const auto xml = junit_xml(r);
  EXPECT_NE(xml.find("tests=\"1\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("interrupted after 3.0s of 10.0s planned"), std::string::npos) << xml;
}

run::Result with_baseline() {
  auto r = sample_result();
  r.slo.resize(1);
  run::BaselineComparison b;
  b.file = "reports/baselines/smoke.json";
  b.scenario = "smoke";
  b.started_at = "2026-11-21T10:00:00.000Z";
  run::BaselineCheck p99{"http", "p99", 30.2, 61.0, true, 1.02, 0.95, 1.10, 0.0001, true, 0.15, 10, 10, "regression"};
  run::BaselineCheck rps{"http", "rps", 200, 199.5, true, -0.0025, -0.01, 0.004, 0.4, false, 0.05, 10, 10, "ok"};
  run::BaselineCheck errors{"list_items", "error_rate", 0.0, 0.0025, false, 0.0025, 0.001, 0.004, 0.01, true, 0.001, 10, 10, "regression"};
  run::BaselineCheck none{"list_items", "p50", std::nullopt, 2.0, true, 0, 0, 0, 1, false, 0.10, 0, 10, "no data"};
  b.checks = {p99, rps, errors, none};
  b.notes = {"request 'search' has no baseline"};
  r.baseline = b;
  return r;
}

TEST(JunitReport, OneTestCasePerBaselineCheck) {
  EXPECT_EQ(junit_xml(with_baseline()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"loadgen\" tests=\"5\" failures=\"3\" time=\"10.000\">\n"
            "  <testsuite name=\"smoke\" tests=\"5\" failures=\"3\" errors=\"0\" skipped=\"1\" time=\"10.000\" "
            "timestamp=\"2026-11-22T14:00:00.000Z\">\n"
            "    <testcase classname=\"http\" name=\"http.p99 &lt; 250ms\" time=\"10.000\">\n"
            "      <failure message=\"p99=312ms, threshold &lt; 250ms\" type=\"slo\">observed 312ms; required "
            "http.p99 &lt; 250ms</failure>\n"
            "    </testcase>\n"
            "    <testcase classname=\"baseline.http\" name=\"http.p99 vs baseline\" time=\"10.000\">\n"
            "      <failure message=\"http p99 +102.0% (95% CI +95.0% .. +110.0%), beyond tolerance +15.0%\" "
            "type=\"baseline\">base 30.2ms; new 61ms; threshold +15.0%</failure>\n"
            "    </testcase>\n"
            "    <testcase classname=\"baseline.http\" name=\"http.rps vs baseline\" time=\"10.000\"/>\n"
            "    <testcase classname=\"baseline.list_items\" name=\"list_items.error_rate vs baseline\" "
            "time=\"10.000\">\n"
            "      <failure message=\"list_items error_rate +0.25pp (95% CI +0.10pp .. +0.40pp), beyond tolerance "
            "+0.10pp\" type=\"baseline\">base 0%; new 0.25%; threshold +0.10pp</failure>\n"
            "    </testcase>\n"
            "    <testcase classname=\"baseline.list_items\" name=\"list_items.p50 vs baseline\" time=\"10.000\">\n"
            "      <skipped message=\"too few measured seconds to compare\"/>\n"
            "    </testcase>\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

TEST(MarkdownReport, ChangeAgainstBaseline) {
  auto r = with_baseline();
  const auto md = markdown_summary(r);
  EXPECT_EQ(md.substr(0, md.find('\n')), "## ❌ loadgen `smoke`: SLOs failed, regression against the baseline");
  const auto at = md.find("### Change against baseline");
  ASSERT_NE(at, std::string::npos) << md;
  const auto end = md.find("\nFigures are medians", at);
  EXPECT_EQ(md.substr(at, end - at),
            "### Change against baseline `reports/baselines/smoke.json` (2026-11-21T10:00:00.000Z)\n\n"
            "| Metric | Base | New | Change | 95% CI | Tolerance | Verdict |\n"
            "|---|---:|---:|---:|---:|---:|:---|\n"
            "| `http.p99` | 30.2ms | 61ms | +102.0% | +95.0% .. +110.0% | +15.0% | ❌ regression |\n"
            "| `http.rps` | 200/s | 200/s | -0.2% | -1.0% .. +0.4% | -5.0% | ✅ ok |\n"
            "| `list_items.error_rate` | 0% | 0.25% | +0.25pp | +0.10pp .. +0.40pp | +0.10pp | ❌ regression |\n"
            "| `list_items.p50` | - | 2ms | - | - | +10.0% | – no data |\n"
            "\n> ℹ️ request 'search' has no baseline\n");
  r.slo.clear();
  const auto only_baseline = markdown_summary(r);
  EXPECT_EQ(only_baseline.substr(0, only_baseline.find('\n')), "## ❌ loadgen `smoke`: regression against the baseline");
  r.verdict = "pass";
  r.baseline->checks.resize(2);
  const auto ok = markdown_summary(r);
  EXPECT_EQ(ok.substr(0, ok.find('\n')), "## ✅ loadgen `smoke`: every SLO held, no regression");
}

TEST(BaselineJson, RoundTripsForReRendering) {
  const auto r = with_baseline();
  const auto back = baseline_from_json(baseline_json(*r.baseline));
  EXPECT_EQ(baseline_json(back), baseline_json(*r.baseline));
  auto again = r;
  again.baseline = back;
  EXPECT_EQ(junit_xml(again), junit_xml(r));
  EXPECT_EQ(markdown_summary(again), markdown_summary(r));
}

TEST(XmlEscape, EscapesAllFiveCharacters) { EXPECT_EQ(xml_escape("<a & 'b' \"c\">"), "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"); }

TEST(MarkdownReport, VerdictFirstThenTables) {
  const auto md = markdown_summary(sample_result());
  EXPECT_EQ(md.substr(0, md.find('\n')), "## ❌ loadgen `smoke`: SLOs failed");
  EXPECT_NE(md.find("| `http.p99 < 250ms` | 312ms | ❌ fail |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `http.error_rate < 1%` | 0.25% | ✅ pass |"), std::string::npos) << md;
  EXPECT_NE(md.find("**Throughput** 200/s achieved of 200/s planned"), std::string::npos) << md;
  EXPECT_NE(md.find("| **all** | 1995 | 200/s | 1.5ms | 4ms | 312ms | 480ms | 500ms | 5 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| timeout | 5 | The socket was closed due to a timeout |"), std::string::npos) << md;
}

TEST(MarkdownReport, PassingRunSaysSo) {
  auto r = sample_result();
  r.verdict = "pass";
  const auto md = markdown_summary(r);
  EXPECT_EQ(md.substr(0, md.find('\n')), "## ✅ loadgen `smoke`: every SLO held");
}

TEST(ConsoleSummary, ThroughputLineSaysWhatItCounts) {
  auto r = sample_result();
  r.model = "arrival-rate";
  const auto plain = console_summary(r);
  EXPECT_NE(plain.find("throughput target 200/s  achieved 200/s\n"), std::string::npos) << plain;

  // A flow is scheduled once but makes several requests: the figures must not read as a shortfall
  // or an excess of the schedule.
  r.flows.push_back(run::FlowResult{"checkout", 100, 100, 0, 0, {}, {}, ""});
  r.achieved_rps = 600;
  const auto with_flows = console_summary(r);
  EXPECT_NE(with_flows.find("target 200/s (requests and flow starts)  achieved 600/s (HTTP exchanges, flow steps "
                            "included)"),
            std::string::npos)
      << with_flows;
}

}  // namespace
}  // namespace loadgen::reports
