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

}  // namespace
}  // namespace loadgen::testing
