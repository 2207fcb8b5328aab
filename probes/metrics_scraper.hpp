#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "probes/http_fetch.hpp"
#include "probes/metrics_capture.hpp"

// Scrapes a target's Prometheus / OpenMetrics endpoint at a fixed interval on its own thread,
// for as long as a run lasts, as the resource sampler watches /proc beside it. A scrape that
// fails (refused, timed out, not 2xx, malformed) is counted with its first error and never
// stops anything.
namespace loadgen::probes {

struct ScraperOptions {
  std::string url;
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  std::chrono::milliseconds timeout{1000};  // per scrape
  size_t max_body_bytes = size_t{64} << 20;
  CaptureOptions capture;
  FetchTls tls;  // an https:// endpoint is trusted as the load trusts the target
};

struct ScrapeStats {
  size_t attempts = 0;
  size_t failures = 0;
  std::string first_error;   // "scrape 3 at 2.0s: connection refused"
  std::string last_error;
  double scrape_s_total = 0;  // wall time of the scrapes (fetch and parse)
  double scrape_s_max = 0;
  double cpu_s_total = 0;     // the scraping thread's CPU time: loadgen's cost of watching
  size_t bytes_last = 0;      // the last exposition's size
  std::string format;         // "openmetrics" | "prometheus-text" (the last one read)
};

class MetricsScraper {
 public:
  explicit MetricsScraper(ScraperOptions options);
  ~MetricsScraper();  // stops
  MetricsScraper(const MetricsScraper&) = delete;
  MetricsScraper& operator=(const MetricsScraper&) = delete;

  // Scrapes once at once, then every interval, until stop().
  void start();
  // Takes a last scrape and stops the thread. Idempotent.
  void stop();

  std::chrono::steady_clock::time_point started() const { return started_; }
  // Read these after stop(): scrape times are seconds since started().
  const MetricsCapture& capture() const { return capture_; }
  ScrapeStats stats() const;

 private:
  void loop();
  void scrape_once();

  const ScraperOptions options_;
  HttpFetcher fetcher_;
  HttpBody body_;
  MetricsCapture capture_;
  std::chrono::steady_clock::time_point started_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  ScrapeStats stats_;
  std::thread thread_;
};

}  // namespace loadgen::probes
