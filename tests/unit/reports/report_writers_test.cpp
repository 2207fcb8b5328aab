// Golden tests of the CI outputs: what a CI system parses must not drift unnoticed.
#include <gtest/gtest.h>

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
  r.slo = {{"http.p99 < 250ms", 312e6, "312ms", false, "p99=312ms, threshold < 250ms", {}},
           {"http.error_rate < 1%", 0.0025, "0.25%", true, "error_rate=0.25%, threshold < 1%", {}},
           {"list_items.p50 < 5ms", std::nullopt, "no samples", false, "no samples", {}}};
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

}  // namespace
}  // namespace loadgen::reports
