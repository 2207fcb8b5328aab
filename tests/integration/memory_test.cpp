// loadgen's own memory as names and threads grow (issue 20): a generous bound, not a timing,
// so that a regression shows without a benchmark run. 50 request names on 8 threads peaked at
// ~480 MiB when every (name, thread) held full-range histograms; it now peaks near 25 MiB.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/loadgen_fixture.hpp"

namespace loadgen::testing {
namespace {

TEST(Memory, FiftyNamesOnEightThreadsStaySmall) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's shadow memory and quarantine are not loadgen's; the release tree checks the bound";
#endif
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "2"});
  ScratchDir dir("memory");
  std::string yaml = fmt::format("name: mem\ntarget: {{ base_url: \"{}\" }}\nload: {{ rate: 2000, duration: 2s }}\n"
                                 "requests:\n",
                                 server->base_url());
  for (int i = 0; i < 50; ++i) yaml += fmt::format("  - {{ name: r{0}, get: \"/ok?n={0}\" }}\n", i);
  const auto file = dir.write("s.yaml", yaml);
  const auto run = run_loadgen({"run", file, "-q", "-o", dir.file("out"), "-t", "8"});
  ASSERT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
  const auto r = read_json(dir.file("out/result.json"));
  const auto peak = r["resources"]["loadgen"]["rss_bytes"]["max"].get<double>();
  RecordProperty("loadgen_peak_rss_mib", static_cast<int>(peak / 1048576));
  EXPECT_LT(peak, 96.0 * 1048576) << "loadgen's peak RSS, 50 names x 8 threads: " << peak / 1048576 << " MiB";
  EXPECT_EQ(r["requests"]["sent"].get<int>(), 4000);
}

// A target exposing 100,000 series (about 4 MB a scrape): loadgen keeps only what its SLOs name,
// and its peak RSS grows by at most the exposition twice over (curl's buffer, grown by doubling)
// plus the kept series, as docs/target-metrics.md states, not by the series count.
TEST(Memory, ScrapingAHundredThousandSeriesKeepsOnlyWhatIsJudged) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's shadow memory and quarantine are not loadgen's; the release tree checks the bound";
#endif
  auto server = RunningServer::start({test_server_binary(), "--port", "0", "--threads", "2"});
  ScratchDir dir("memory-scrape");
  const auto scenario = [&](const std::string& probes) {
    return fmt::format(R"(name: memscrape
target: {{ base_url: "{}" }}
load: {{ rate: 200, duration: 2s }}
requests:
  - {{ get: /ok }}
{}slo:
  - http.error_rate < 1%
)",
                       server->base_url(), probes);
  };
  const auto peak_of = [&](const std::string& name, const std::string& yaml) {
    const auto run = run_loadgen({"run", dir.write(name, yaml), "-q", "-o", dir.file(name + ".out"), "-t", "1"});
    EXPECT_EQ(run.exit_code, 0) << run.stdout_text << run.stderr_text;
    return read_json(dir.file(name + ".out/result.json"));
  };
  const auto bare = peak_of("bare.yaml", scenario(""));
  const auto scraped = peak_of("scraped.yaml", scenario(R"(probes:
  metrics: { url: "/metrics?series=100000", interval: 250ms }
)") + "  - target.metric.test_latency_seconds.p99 < 1s\n  - target.metric.test_filler{shard=\"7\"}.max < 1000000000\n");
  const auto& tm = scraped["target_metrics"];
  ASSERT_TRUE(tm.is_object());
  EXPECT_EQ(tm["scrape_failures"], 0);
  EXPECT_GT(tm["samples_last"].get<int>(), 100'000);
  EXPECT_EQ(tm["series_kept"], 2);
  const double exposition = tm["exposition_bytes_last"].get<double>();
  const double grown = scraped["resources"]["loadgen"]["rss_bytes"]["max"].get<double>() -
                       bare["resources"]["loadgen"]["rss_bytes"]["max"].get<double>();
  RecordProperty("scrape_rss_growth_kib", static_cast<int>(grown / 1024));
  EXPECT_LT(grown, 2 * exposition + 8.0 * 1048576) << "RSS grew by " << grown / 1048576 << " MiB for a "
                                                    << exposition / 1048576 << " MiB exposition";
}

}  // namespace
}  // namespace loadgen::testing
