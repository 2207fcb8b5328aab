#include "tests/tools/known_metrics.hpp"

#include <cstdlib>
#include <map>
#include <mutex>

#include <fmt/format.h>

namespace loadgen::testing {
namespace {

std::mutex g_mutex;
std::map<std::string, long, std::less<>> g_scrapes;  // by query string

long option(std::string_view target, std::string_view key, long fallback) {
  const auto at = target.find(std::string(key) + "=");
  if (at == std::string_view::npos) return fallback;
  return std::atol(std::string(target.substr(at + key.size() + 1)).c_str());
}

struct BaseBucket {
  const char* le;
  long count;
};
constexpr BaseBucket kBase[] = {{"0.01", 50}, {"0.025", 80}, {"0.05", 95}, {"0.1", 99}, {"0.25", 100}, {"+Inf", 100}};

}  // namespace

MetricsResponse known_metrics(std::string_view target) {
  const auto q = target.find('?');
  const std::string query(q == std::string_view::npos ? std::string_view{} : target.substr(q));
  long k = 0;
  {
    std::lock_guard lock(g_mutex);
    k = ++g_scrapes[query];
  }
  const long restart_every = option(target, "restart_every", 0);
  const long times = restart_every > 0 ? (k - 1) % restart_every + 1 : k;
  const bool text = target.find("format=text") != std::string_view::npos;
  const long broken_after = option(target, "broken_after", 0);
  std::string out;
  out += "# HELP test_latency_seconds Time to serve, a known distribution.\n# TYPE test_latency_seconds histogram\n";
  if (!text) out += "# UNIT test_latency_seconds seconds\n";
  for (const auto& b : kBase) out += fmt::format("test_latency_seconds_bucket{{le=\"{}\"}} {}\n", b.le, b.count * times);
  out += fmt::format("test_latency_seconds_count {}\ntest_latency_seconds_sum {}\n", 100 * times, 2.0 * static_cast<double>(times));
  if (text) {
    out += fmt::format("# TYPE test_requests_total counter\ntest_requests_total {}\n", 10 * times);
  } else {
    out += fmt::format("# TYPE test_requests counter\ntest_requests_total {}\ntest_requests_created 1.7e9\n", 10 * times);
  }
  out += fmt::format("# TYPE test_queue_depth gauge\ntest_queue_depth{{pool=\"a\"}} {}\ntest_queue_depth{{pool=\"b\"}} 1\n", k);
  out += "# TYPE test_rpc_seconds summary\n";
  out += fmt::format("test_rpc_seconds{{quantile=\"0.5\"}} 0.002\ntest_rpc_seconds{{quantile=\"0.99\"}} {}\n",
                     0.004 + static_cast<double>(k) / 1000);
  out += fmt::format("test_rpc_seconds_count {}\ntest_rpc_seconds_sum {}\n", 10 * times, 0.03 * static_cast<double>(times));
  if (const long filler = option(target, "series", 0); filler > 0) {
    out += "# TYPE test_filler gauge\n";
    for (long i = 0; i < filler; ++i) out += fmt::format("test_filler{{shard=\"{}\",tier=\"t{}\"}} {}\n", i, i % 4, i + k);
  }
  if (broken_after > 0 && k > broken_after) out += "test_broken{le=\"0.1 1\n";
  if (!text) out += "# EOF\n";
  return {text ? "text/plain; version=0.0.4; charset=utf-8" : "application/openmetrics-text; version=1.0.0; charset=utf-8",
          std::move(out)};
}

}  // namespace loadgen::testing
