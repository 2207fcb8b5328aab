// report.html as a person opens it: headless Chromium (Debian's package) loads a real report
// from a real run against the test server, and a 24-hour synthetic soak re-rendered by
// `loadgen report`. A page is good when its script marked #loadgen-status data-state="ok":
// every chart drawn, and no exception, console.error, failed resource or resource loaded at
// all (the page must be self-contained), as the page's own error trap saw them; and when every
// section is there. Screenshots go to build/<preset>/artifacts/ for CI to keep.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

constexpr const char* kSections[] = {"verdict", "load",      "latency",  "spectrum", "errors",
                                     "startup", "resources", "scenario", "machine"};

std::string chromium_binary() {
  if (const char* env = std::getenv("LOADGEN_CHROMIUM"); env != nullptr && *env != '\0')
    return env;
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (access(candidate, X_OK) == 0)
      return candidate;
  }
  return {};
}

struct PageCheck {
  std::string state;
  int sections = -1;
  int charts = -1;
  int render_ms = -1;
  std::string status_text;
  std::string dom;
  std::string browser_log;
};

std::string attribute(const std::string& element, const std::string& name) {
  std::smatch m;
  if (std::regex_search(element, m, std::regex(name + "=\"([^\"]*)\"")))
    return m[1];
  return {};
}

// A new, empty profile for every launch, so no state carries from one page to the next.
std::string fresh_profile(const ScratchDir& scratch) {
  static int launches = 0;
  return scratch.file("profile-" + std::to_string(++launches));
}

std::vector<std::string> chromium_args(const std::string& profile) {
  return {chromium_binary(),
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + profile,
          "--enable-logging=stderr",
          "--v=0",
          "--hide-scrollbars"};
}

PageCheck open_page(const std::string& html, const ScratchDir& scratch) {
  auto argv = chromium_args(fresh_profile(scratch));
  // Virtual time lets the page's timers run to completion before the DOM is dumped.
  argv.insert(argv.end(), {"--window-size=1400,1000", "--virtual-time-budget=30000", "--dump-dom",
                           "file://" + html});
  const auto run = run_command(argv, std::chrono::seconds(120));
  PageCheck check;
  check.dom = run.stdout_text;
  check.browser_log = run.stderr_text;
  std::smatch m;
  if (std::regex_search(check.dom, m,
                        std::regex("<output id=\"loadgen-status\"[^>]*>([^<]*)</output>"))) {
    const std::string element = m[0];
    check.state = attribute(element, "data-state");
    check.status_text = m[1];
    const auto number = [&](const char* name) {
      const auto v = attribute(element, name);
      return v.empty() ? -1 : std::stoi(v);
    };
    check.sections = number("data-sections");
    check.charts = number("data-charts");
    check.render_ms = number("data-render-ms");
  }
  return check;
}

void screenshot(const std::string& html, const std::string& png, const ScratchDir& scratch,
                int height) {
  std::filesystem::create_directories(std::filesystem::path(png).parent_path());
  auto argv = chromium_args(fresh_profile(scratch));
  argv.insert(argv.end(), {"--window-size=1400," + std::to_string(height),
                           "--virtual-time-budget=30000", "--screenshot=" + png, "file://" + html});
  run_command(argv, std::chrono::seconds(120));
}

// What a person would notice: a section missing, a chart not drawn, an error.
void expect_good_page(const PageCheck& page, int min_charts, int sections = 9) {
  EXPECT_EQ(page.state, "ok") << page.status_text << "\n--- browser log ---\n" << page.browser_log;
  EXPECT_EQ(page.sections, sections);
  EXPECT_GE(page.charts, min_charts);
  for (const char* id : kSections) {
    EXPECT_NE(page.dom.find(std::string("<section id=\"") + id + "\""), std::string::npos)
        << "missing section " << id;
  }
  // Every chart placeholder got a uPlot canvas.
  size_t canvases = 0;
  for (auto at = page.dom.find("<canvas"); at != std::string::npos;
       at = page.dom.find("<canvas", at + 1))
    ++canvases;
  EXPECT_EQ(canvases, static_cast<size_t>(page.charts));
}

std::string artifacts_dir() {
  return LOADGEN_ARTIFACTS_DIR;
}

TEST(HtmlReportBrowser, RealRunReportRendersEverySection) {
  if (chromium_binary().empty())
    GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  ScratchDir dir("html-real");
  // loadgen starts the target itself, so the report also has the target's start (and, where
  // the run samples them, its resources).
  const auto scenario = dir.write(
      "s.yaml",
      fmt::format(
          "name: html-report\ntarget:\n  base_url: http://127.0.0.1:${{port}}\n"
          "  start:\n    command: [\"{}\", --port, \"0\", --threads, \"1\"]\n    ready: /ok\n"
          "load:\n  stages:\n"
          "    - {{ to: 200, over: 1s, name: ramp }}\n    - {{ hold: 2s, name: hold }}\n"
          "requests:\n  - {{ name: ok, weight: 9, get: /ok, headers: {{ X-Note: \"<b>&amp;</b>\" "
          "}}, check: {{ status: 200 }} }}\n"
          "  - {{ name: fails_sometimes, weight: 1, get: \"/status?code=503\", check: {{ status: "
          "200 }} }}\n"
          "slo:\n  - http.p99 < 2s\n  - http.error_rate < 1%\n",
          test_server_binary()));
  const auto out = dir.file("out");
  const auto run = run_loadgen({"run", scenario, "-q", "-o", out, "--threads", "1"});
  ASSERT_EQ(run.exit_code, 1) << "the error-rate SLO fails\n" << run.stdout_text << run.stderr_text;
  const auto html = out + "/report.html";
  ASSERT_TRUE(std::filesystem::exists(html)) << run.stdout_text;

  const auto page = open_page(html, dir);
  // rate, in-flight, latency, service, spectrum, errors.
  expect_good_page(page, 6);
  EXPECT_NE(page.dom.find("target command"), std::string::npos)
      << "the started target in the machine section";
  // A header value from the scenario shows as text in the YAML, not as markup.
  EXPECT_NE(page.dom.find("&lt;b&gt;&amp;amp;&lt;/b&gt;"), std::string::npos)
      << "the scenario's YAML, escaped";
  screenshot(html, artifacts_dir() + "/report-real-run.png", dir, 3900);
  EXPECT_TRUE(std::filesystem::exists(artifacts_dir() + "/report-real-run.png"));

  // Re-rendered from result.json and latency.hlog: the same page, every report again.
  std::filesystem::remove(html);
  std::filesystem::remove(out + "/junit.xml");
  std::filesystem::remove(out + "/summary.md");
  const auto again = run_loadgen({"report", out});
  ASSERT_EQ(again.exit_code, 0) << again.stdout_text << again.stderr_text;
  EXPECT_NE(again.stdout_text.find(html), std::string::npos) << again.stdout_text;
  EXPECT_TRUE(std::filesystem::exists(out + "/junit.xml"));
  EXPECT_TRUE(std::filesystem::exists(out + "/summary.md"));
  const auto rerendered = open_page(html, dir);
  expect_good_page(rerendered, 6);
  EXPECT_EQ(rerendered.charts, page.charts);
}

// The target's own metrics: a chart per series beside loadgen's p99, on the timeline's axis.
TEST(HtmlReportBrowser, TargetMetricsAreChartedBesideTheRun) {
  if (chromium_binary().empty())
    GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  ScratchDir dir("html-metrics");
  const auto server = RunningServer::start({test_server_binary(), "--port", "0"});
  const auto scenario = dir.write(
      "s.yaml", fmt::format("name: metrics\ntarget: {{ base_url: \"{}\" }}\nload: {{ rate: 50, duration: 2s }}\n"
                            "requests:\n  - {{ get: /ok }}\nprobes:\n  metrics: {{ url: /metrics, interval: 250ms }}\n"
                            "slo:\n  - target.metric.test_latency_seconds.p99 < 1s\n",
                            server->base_url()));
  const auto out = dir.file("out");
  const auto run = run_loadgen({"run", scenario, "-q", "-o", out, "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto page = open_page(out + "/report.html", dir);
  // The run's 5 charts (no errors chart) and one per kept series: the SLO keeps one.
  expect_good_page(page, 6, 10);
  EXPECT_NE(page.dom.find("<section id=\"metrics\""), std::string::npos);
  EXPECT_NE(page.dom.find("data-chart=\"metric-0\""), std::string::npos);
  EXPECT_NE(page.dom.find("test_latency_seconds"), std::string::npos);
  screenshot(out + "/report.html", artifacts_dir() + "/report-target-metrics.png", dir, 4200);
}

// A profiled stage's flame graph, drawn by d3-flame-graph, names the target's hot function.
TEST(HtmlReportBrowser, AFlameGraphNamesTheHotFunction) {
  if (chromium_binary().empty())
    GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  ScratchDir dir("html-profile");
  const auto scenario = dir.write(
      "s.yaml", fmt::format("name: flame\ntarget:\n  base_url: http://127.0.0.1:${{port}}\n  start:\n    command: [\"{}\", "
                            "--port, \"0\", --hot]\n    ready: /health\nload:\n  stages:\n    - {{ rate: 20, hold: 2s, name: "
                            "busy }}\nrequests:\n  - {{ get: /health }}\nprobes:\n  profile: {{ stages: all, frequency: 199 }}\n",
                            PROBE_TARGET_BINARY));
  const auto out = dir.file("out");
  const auto run = run_loadgen({"run", scenario, "-q", "-o", out, "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  if (read_json(out + "/result.json")["profiles"][0]["status"] != "ok") {
    GTEST_SKIP() << "perf cannot profile here: " << read_json(out + "/result.json")["profiles"][0]["reason"];
  }
  const auto page = open_page(out + "/report.html", dir);
  expect_good_page(page, 5, 10);
  EXPECT_NE(page.dom.find("<section id=\"profiles\""), std::string::npos);
  EXPECT_NE(page.dom.find("data-flames=\"1\""), std::string::npos) << "one flame graph drawn";
  // d3-flame-graph draws each frame as an SVG group with its name as text.
  EXPECT_NE(page.dom.find("class=\"partition d3-flame-graph\""), std::string::npos);
  EXPECT_NE(page.dom.find(">loadgen_hot_spin<"), std::string::npos) << "the hot function named in the flame graph";
  screenshot(out + "/report.html", artifacts_dir() + "/report-profile.png", dir, 4200);
}

// A capacity search's report leads with the answer, the knee and what was delivered.
TEST(HtmlReportBrowser, CapacitySearchShowsTheKnee) {
  if (chromium_binary().empty())
    GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  ScratchDir dir("html-capacity");
  const auto server = RunningServer::start({test_server_binary(), "--port", "0"});
  const auto scenario = dir.write(
      "s.yaml", fmt::format("name: knee\ntarget: {{ base_url: \"{}\" }}\nload:\n  search: {{ from: 10, max: 1000, "
                            "step: 1s, precision: 25%, confirm: 1s }}\nrequests:\n  - {{ get: \"/serial?ms=20\", timeout: "
                            "5s }}\nslo:\n  - http.p99 < 50ms\n",
                            server->base_url()));
  const auto out = dir.file("out");
  const auto run = run_loadgen({"run", scenario, "-q", "-o", out, "--threads", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto page = open_page(out + "/report.html", dir);
  expect_good_page(page, 8, 10);
  EXPECT_NE(page.dom.find("<section id=\"capacity\""), std::string::npos);
  EXPECT_NE(page.dom.find("data-chart=\"knee\""), std::string::npos);
  EXPECT_NE(page.dom.find("Capacity: "), std::string::npos);
  screenshot(out + "/report.html", artifacts_dir() + "/report-capacity.png", dir, 1400);
}

TEST(HtmlReportBrowser, DaySoakRendersAndReportsItsTime) {
  if (chromium_binary().empty())
    GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  ScratchDir dir("html-soak");
  const auto out = dir.file("soak");
  const auto fixture =
      run_command({REPORT_FIXTURE_BINARY, out, "86400", "1"}, std::chrono::seconds(200));
  ASSERT_EQ(fixture.exit_code, 0) << fixture.stderr_text;
  // Generous: an ASan build parses the 86 MB result.json several times slower.
  const auto rendered = run_loadgen({"report", out}, std::chrono::seconds(200));
  ASSERT_EQ(rendered.exit_code, 0) << rendered.stdout_text << rendered.stderr_text;
  const auto html = out + "/report.html";
  const auto page = open_page(html, dir);
  // The six of a run, two start-up variants side by side, CPU and RSS.
  expect_good_page(page, 10);
  EXPECT_EQ(page.charts, 10);
  std::cout << fmt::format(
      "24-hour soak (86,400 points per series): {} charts drawn in {} ms; report.html {:.1f} MB\n",
      page.charts, page.render_ms, static_cast<double>(std::filesystem::file_size(html)) / 1e6);
  RecordProperty("soak_render_ms", page.render_ms);
  screenshot(html, artifacts_dir() + "/report-soak-24h.png", dir, 5300);
  EXPECT_TRUE(std::filesystem::exists(artifacts_dir() + "/report-soak-24h.png"));
}

// The check above must be able to fail: the same page with a script error, a console.error or
// an external resource is caught.
TEST(HtmlReportBrowser, BrokenPagesAreCaught) {
  if (chromium_binary().empty())
    GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  ScratchDir dir("html-broken");
  const auto out = dir.file("small");
  ASSERT_EQ(
      run_command({REPORT_FIXTURE_BINARY, out, "30", "5"}, std::chrono::seconds(60)).exit_code, 0);
  ASSERT_EQ(run_loadgen({"report", out}).exit_code, 0);
  std::stringstream text;
  text << std::ifstream(out + "/report.html").rdbuf();
  const std::string page = text.str();
  const std::pair<std::string, std::string> breakages[] = {
      {"function spectrumChart(d) {", "function spectrumChart(d) { null.x;"},
      {"</footer>", "</footer><script>console.error('boom');</script>"},
      {"</footer>", "</footer><img src=\"file:///nonexistent/x.png\">"},
  };
  for (const auto& [from, to] : breakages) {
    std::string broken = page;
    const auto at = broken.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    broken.replace(at, from.size(), to);
    const auto html = dir.write("broken.html", broken);
    const auto check = open_page(html, dir);
    EXPECT_EQ(check.state, "error") << to;
    EXPECT_FALSE(check.status_text.empty());
  }
}

TEST(LoadgenReport, MissingResultIsBadInputNamingTheFile) {
  ScratchDir dir("report-missing");
  const auto run = run_loadgen({"report", dir.path().string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.stderr_text.find(dir.file("result.json")), std::string::npos) << run.stderr_text;
  dir.write("result.json", "{ not json");
  const auto corrupt = run_loadgen({"report", dir.path().string()});
  EXPECT_EQ(corrupt.exit_code, 2);
  EXPECT_NE(corrupt.stderr_text.find(dir.file("result.json") + ": not valid JSON"),
            std::string::npos)
      << corrupt.stderr_text;
}

}  // namespace
}  // namespace loadgen::testing

namespace loadgen::testing {
namespace {

// --open hands the page to xdg-open (here a stand-in that records its argument), and without
// one prints where the page is.
TEST(LoadgenReport, OpenUsesXdgOpenElsePrintsThePath) {
  ScratchDir dir("report-open");
  const auto out = dir.file("run");
  ASSERT_EQ(run_command({REPORT_FIXTURE_BINARY, out, "5", "5"}, std::chrono::seconds(60)).exit_code,
            0);
  const auto bin = dir.path() / "bin";
  std::filesystem::create_directories(bin);
  const auto opened = dir.file("opened.txt");
  dir.write("bin/xdg-open", "#!/bin/sh\necho \"$1\" > " + opened + "\n");
  std::filesystem::permissions(bin / "xdg-open", std::filesystem::perms::owner_all);
  const auto with = run_command(
      {"/usr/bin/env", "PATH=" + bin.string(), loadgen_binary(), "report", out, "--open"},
      std::chrono::seconds(60));
  ASSERT_EQ(with.exit_code, 0) << with.stderr_text;
  std::stringstream arg;
  arg << std::ifstream(opened).rdbuf();
  EXPECT_EQ(arg.str(), out + "/report.html\n");
  const auto without = run_command(
      {"/usr/bin/env", "PATH=" + dir.file("empty"), loadgen_binary(), "report", out, "--open"},
      std::chrono::seconds(60));
  ASSERT_EQ(without.exit_code, 0) << without.stderr_text;
  EXPECT_NE(without.stdout_text.find("no xdg-open here: open " + out + "/report.html in a browser"),
            std::string::npos)
      << without.stdout_text;
}

}  // namespace
}  // namespace loadgen::testing
