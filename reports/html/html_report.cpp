#include "reports/html/html_report.hpp"

#include <fmt/format.h>

#include "reports/atomic_file.hpp"
#include "reports/html/assets.hpp"
#include "reports/html/html_escape.hpp"
#include "reports/verdict_text.hpp"
#include "reports/html/html_sections.hpp"
#include "reports/html/metrics_section.hpp"
#include "reports/html/profile_section.hpp"
#include "reports/html/report_data.hpp"

namespace loadgen::reports::html {
namespace {

// Installed before any other script, so an error anywhere (uPlot included) is caught; the page
// shows it, and the browser test reads it from #loadgen-status.
constexpr const char* kErrorTrap = R"(<script>
window.loadgenErrors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  // Capture phase: also a resource (img, script, link) that failed to load.
  if (t && t !== window && (t.src || t.href)) window.loadgenErrors.push('failed to load ' + (t.src || t.href));
  else window.loadgenErrors.push(String(e.message || e));
}, true);
window.addEventListener('unhandledrejection', function (e) { window.loadgenErrors.push(String(e.reason)); });
(function () {
  var original = console.error;
  console.error = function () { window.loadgenErrors.push(Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
})();
</script>
)";

}  // namespace

std::string html_report(const run::Result& r, const nlohmann::json& context) {
  std::string page;
  page.reserve(256 * 1024);
  const std::string title = escape("loadgen report: " + r.scenario);
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<meta name=\"generator\" content=\"loadgen " LOADGEN_VERSION "\">\n";
  page += "<title>" + title + "</title>\n";
  page += kErrorTrap;
  page += "<style>\n";
  page += uplot_css();
  page += "\n</style>\n<style>\n";
  page += report_css();
  if (!r.profiles.empty()) {
    page += "\n</style>\n<style>\n";
    page += flamegraph_css();
  }
  page += "\n</style>\n</head>\n<body>\n<header>\n";
  page += fmt::format("<h1>{} <span class=\"badge {}\">{}</span></h1>\n", escape(r.scenario),
                      verdict_class(r), verdict_class(r));
  page += fmt::format(
      "<p class=\"sub\">{} &middot; {} of {} planned{} &middot; {} model &middot; {}</p>\n",
      escape(r.started_at), duration_text(r.duration_s), duration_text(r.planned_duration_s),
      r.capacity ? fmt::format(" (the last of {} trials; the search took {})", r.capacity->trials.size(),
                               duration_text(r.capacity->total_s))
                 : "",
      escape(r.model), escape(r.target.base_url));
  page += "<nav>";
  for (const char* id : kSectionIds) {
    page += fmt::format("<a href=\"#{0}\">{0}</a> ", id);
    if (r.capacity && std::string_view(id) == "verdict") page += "<a href=\"#capacity\">capacity</a> ";
    if ((r.shard || !r.shards.empty()) && std::string_view(id) == "verdict") page += "<a href=\"#shards\">shards</a> ";
    if (r.target_metrics && std::string_view(id) == "resources") page += "<a href=\"#metrics\">metrics</a> ";
    if (!r.profiles.empty() && std::string_view(id) == "resources") page += "<a href=\"#profiles\">profiles</a> ";
  }
  page += "</nav>\n</header>\n<main>\n";
  page += verdict_section(r);
  page += capacity_section(r);
  page += shards_section(r);
  page += load_section(r);
  page += latency_section(r);
  page += spectrum_section(r);
  page += errors_section(r);
  page += startup_section(r);
  page += resources_section(r);
  page += target_metrics_section(r);
  page += profiles_section(r);
  page += scenario_section(r);
  page += machine_section(r, context);
  page +=
      "</main>\n<footer><output id=\"loadgen-status\" data-state=\"pending\">charts not drawn (is "
      "script disabled?)</output>"
      " &middot; loadgen " LOADGEN_VERSION "</footer>\n";
  page += "<script type=\"application/json\" id=\"loadgen-data\">";
  page += script_json(report_data(r));
  page += "</script>\n<script>\n";
  page += uplot_js();
  page += "\n</script>\n<script>\n";
  if (!r.profiles.empty()) {
    page += d3_selection_js();
    page += "\n</script>\n<script>\n";
    page += flamegraph_js();
    page += "\n</script>\n<script>\n";
    page += profile_js();
    page += "\n</script>\n<script>\n";
  }
  page += report_js();
  page += "\n</script>\n</body>\n</html>\n";
  return page;
}

void write_html_report(const run::Result& result, const nlohmann::json& context,
                       const std::string& path) {
  write_file_atomically(path, html_report(result, context));
}

}  // namespace loadgen::reports::html
