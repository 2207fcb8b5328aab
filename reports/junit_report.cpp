#include "reports/junit_report.hpp"

#include <fmt/format.h>

#include "reports/baselines/comparison_text.hpp"

namespace loadgen::reports {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// "http.p99 < 200ms" -> "http": the metric names the class, as k6 groups thresholds.
std::string metric_of(const std::string& expression) {
  const auto end = expression.find_first_of(".{ ");
  return expression.substr(0, end);
}

std::string test_case(const run::SloOutcome& s, double duration_s) {
  std::string out = fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"", xml_escape(metric_of(s.expression)),
                                xml_escape(s.expression), duration_s);
  if (s.pass) return out + "/>\n";
  out += ">\n";
  if (!s.observed) {
    out += fmt::format("      <failure message=\"{}\" type=\"no_samples\"/>\n", xml_escape(s.detail));
  } else {
    out += fmt::format("      <failure message=\"{}\" type=\"slo\">observed {}; required {}</failure>\n",
                       xml_escape(s.detail), xml_escape(s.observed_text), xml_escape(s.expression));
  }
  return out + "    </testcase>\n";
}

// One test case per baseline check: a regression fails with base, new and threshold; a
// check without data (or switched off) is skipped.
std::string baseline_case(const run::BaselineCheck& c, double duration_s) {
  std::string out = fmt::format("    <testcase classname=\"baseline.{}\" name=\"{}.{} vs baseline\" time=\"{:.3f}\"",
                                xml_escape(c.scope), xml_escape(c.scope), xml_escape(c.metric), duration_s);
  if (c.verdict == "no data" || !c.tolerance) {
    return out + fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                             c.verdict == "no data" ? "too few measured seconds to compare" : "tolerance off");
  }
  if (!c.failed()) return out + "/>\n";
  out += fmt::format(
      ">\n      <failure message=\"{} {} {} (95% CI {}), beyond tolerance {}\" type=\"baseline\">base {}; new {}; "
      "threshold {}</failure>\n    </testcase>\n",
      xml_escape(c.scope), xml_escape(c.metric), baseline_change(c), baseline_interval(c), baseline_tolerance(c),
      baseline_value(c, c.base), baseline_value(c, c.current), baseline_tolerance(c));
  return out;
}

}  // namespace

std::string junit_xml(const run::Result& r) {
  size_t failures = 0;
  for (const auto& s : r.slo) failures += s.pass ? 0 : 1;
  // An interrupted run is a failure of its own: its figures cover only part of the plan.
  size_t tests = r.slo.size() + (r.interrupted ? 1 : 0) + (r.capacity ? 1 : 0);
  failures += r.interrupted ? 1 : 0;
  failures += r.capacity && !r.capacity->confirmed ? 1 : 0;
  size_t skipped = 0;
  if (r.baseline) {
    tests += r.baseline->checks.size();
    for (const auto& c : r.baseline->checks) {
      failures += c.failed() ? 1 : 0;
      skipped += c.verdict == "no data" || !c.tolerance ? 1 : 0;
    }
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"loadgen\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", tests, failures,
                     r.duration_s);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\"{} time=\"{:.3f}\" timestamp=\"{}\">\n",
                     xml_escape(r.scenario), tests, failures, skipped > 0 ? fmt::format(" skipped=\"{}\"", skipped) : "",
                     r.duration_s, xml_escape(r.started_at));
  for (const auto& s : r.slo) out += test_case(s, r.duration_s);
  if (r.baseline) {
    for (const auto& c : r.baseline->checks) out += baseline_case(c, r.duration_s);
  }
  if (r.capacity) {
    // The answer itself: a found and confirmed capacity passes, anything else fails.
    const auto& c = *r.capacity;
    out += fmt::format("    <testcase classname=\"capacity\" name=\"{}\" time=\"{:.3f}\"",
                       xml_escape("capacity: " + c.answer), c.total_s);
    out += c.confirmed ? "/>\n"
                       : fmt::format(">\n      <failure message=\"{}\" type=\"capacity\"/>\n    </testcase>\n",
                                     xml_escape(c.answer));
  }
  if (r.interrupted) {
    out += fmt::format(
        "    <testcase classname=\"run\" name=\"completed\" time=\"{:.3f}\">\n      <failure message=\"interrupted "
        "after {:.1f}s of {:.1f}s planned\" type=\"interrupted\"/>\n    </testcase>\n",
        r.duration_s, r.duration_s, r.planned_duration_s);
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace loadgen::reports
